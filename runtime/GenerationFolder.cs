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

    /// <summary>
    /// The highest generation whose assembly is present, or 0. A copy whose folder or assembly is a link counts too, so
    /// that loading it refuses it out loud (<see cref="DependenciesOf"/>, HR2011) rather than passing it over in silence.
    /// </summary>
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
    /// The first thing a load reads of copy <paramref name="generation"/>. Refuses the copy (HR2011) when its folder,
    /// its assembly or its list is a symbolic link or junction, which would lead out of the folder of copies; then reads
    /// its private dependencies, refusing a list the host's build does not vouch for (HR2010, <see cref="PrivateDependencies"/>).
    /// </summary>
    public PrivateDependencies DependenciesOf(int generation)
    {
        var assembly = AssemblyPathOf(generation);
        var folder = Path.GetDirectoryName(assembly)!;
        var list = Path.Combine(folder, CopyLayout.DependencyListFileName);
        RefuseLink(generation, new DirectoryInfo(folder), "folder");
        RefuseLink(generation, new FileInfo(assembly), "assembly");
        RefuseLink(generation, new FileInfo(list), "list of dependencies");
        return File.Exists(list)
            ? PrivateDependencies.Read(list, DependencyRoots, static name => HostAssemblies.CanProvide(new AssemblyName { Name = name }))
            : PrivateDependencies.None;
    }

    private void RefuseLink(int generation, FileSystemInfo item, string what)
    {
        if (item.LinkTarget is { } target)
        {
            throw new HotReloadException(
                $"HR2011: the {what} of copy {generation}, '{item.FullName}', is a symbolic link (to '{target}'). Copies load only from real folders and files in '{Root}', never through a link, so copy {generation} is skipped and the running generation stays. Remove the link; the next build or save makes a new copy.");
        }
    }
}
