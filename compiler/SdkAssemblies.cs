using System.Runtime.Loader;

namespace HotReload.Compiler;

/// <summary>
/// Loads Roslyn from the folder of the build's own compiler (the SDK's Roslyn/bincore), so the warm compiler compiles
/// exactly as the build does, and source generators built for that Roslyn load; and MSBuild from the SDK's folder, to
/// evaluate the project as the build does. The tool ships with neither.
/// </summary>
internal static class SdkAssemblies
{
    /// <param name="directories">Probed in order; Roslyn's first, so the compiler's Roslyn is the build's.</param>
    public static void LoadFrom(params string?[] directories)
    {
        var probed = directories.OfType<string>().ToArray();
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            foreach (var directory in probed)
            {
                var path = Path.Combine(directory, name.Name + ".dll");
                if (File.Exists(path))
                {
                    return context.LoadFromAssemblyPath(path);
                }
            }

            return null;
        };
    }
}
