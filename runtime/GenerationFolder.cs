using System.Reflection;

namespace HotReload.Runtime;

/// <summary>
/// The folder of numbered copies written by HotReload.Sdk: <c>N/&lt;AssemblyName&gt;.N.dll</c>. A folder only ever
/// appears complete (the build renames it into place), so its presence is enough.
/// </summary>
internal sealed class GenerationFolder(string root, string assemblyName, TrustedRoots? dependencyRoots = null)
{
    public string Root { get; } = root;

    public string AssemblyName { get; } = assemblyName;

    /// <summary>Where private dependencies may load from: by default, what the host's runtimeconfig.json names.</summary>
    public TrustedRoots DependencyRoots { get; } = dependencyRoots ?? TrustedRoots.FromConfiguration(assemblyName);

    public string AssemblyPathOf(int generation) => Path.Combine(Root, CopyLayout.AssemblyPath(AssemblyName, generation));

    /// <summary>The highest generation whose assembly is present, or 0.</summary>
    public int Newest()
    {
        if (!Directory.Exists(Root))
        {
            return 0;
        }

        var newest = 0;
        foreach (var directory in Directory.EnumerateDirectories(Root))
        {
            if (CopyLayout.TryParseGeneration(Path.GetFileName(directory), out var n) && n > newest && File.Exists(AssemblyPathOf(n)))
            {
                newest = n;
            }
        }

        return newest;
    }

    /// <summary>
    /// The private dependencies listed beside copy <paramref name="generation"/>, refusing a list the host's build does
    /// not vouch for (HR2010, <see cref="PrivateDependencies"/>).
    /// </summary>
    public PrivateDependencies DependenciesOf(int generation)
    {
        var list = Path.Combine(Path.GetDirectoryName(AssemblyPathOf(generation))!, CopyLayout.DependencyListFileName);
        return File.Exists(list)
            ? PrivateDependencies.Read(list, DependencyRoots, static name => HostAssemblies.CanProvide(new AssemblyName { Name = name }))
            : PrivateDependencies.None;
    }
}
