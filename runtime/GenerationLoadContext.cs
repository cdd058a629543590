using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;

namespace HotReload.Runtime;

/// <summary>
/// A collectible context for one generation. Anything the host itself has (the shared Common assembly, the
/// framework) resolves to the host's copy, so types such as State are one and the same on both sides. Only
/// assemblies the host lacks, or has in a lower version, load here from the library's own dependencies, and
/// unload with the generation; each only after <see cref="PrivateDependencies.Verify"/> (HR2010, thrown from here and
/// wrapped by the runtime in a <see cref="FileLoadException"/>).
/// </summary>
internal sealed class GenerationLoadContext(string library, int generation, PrivateDependencies privateDependencies)
    : AssemblyLoadContext(NameOf(library, generation), isCollectible: true)
{
    /// <summary>The context's name, as debuggers and <see cref="AssemblyLoadContext.All"/> show it.</summary>
    public static string NameOf(string library, int generation) => $"HotReload {library} generation {generation}";

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only live mode creates these contexts (PreparedGeneration.Load, which requires unreferenced code); a trimmed host has HotReload.IsSupported off and never reaches it.")]
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null
            || HostAssemblies.CanProvide(assemblyName)
            || privateDependencies.Verify(assemblyName.Name) is not { } path)
        {
            return null; // the default context resolves it, exactly as for the host
        }

        return LoadFromAssemblyPath(path);
    }
}
