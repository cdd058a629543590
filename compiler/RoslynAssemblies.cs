using System.Runtime.Loader;

namespace HotReload.Compiler;

/// <summary>
/// Loads Roslyn from the folder of the build's own compiler (the SDK's Roslyn/bincore), so the warm compiler compiles
/// exactly as the build does, and source generators built for that Roslyn load. The tool ships without Roslyn.
/// </summary>
internal static class RoslynAssemblies
{
    public static void LoadFrom(string compilerDirectory)
    {
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            var path = Path.Combine(compilerDirectory, name.Name + ".dll");
            return File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
        };
    }
}
