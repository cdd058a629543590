namespace HotReload.Runtime;

/// <summary>
/// The folder of numbered copies written by HotReload.Sdk: <c>N/&lt;AssemblyName&gt;.N.dll</c>. A folder only ever
/// appears complete (the build renames it into place), so its presence is enough.
/// </summary>
internal sealed class GenerationFolder(string root, string assemblyName)
{
    public string Root { get; } = root;

    public string AssemblyName { get; } = assemblyName;

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

    /// <summary>Private dependencies listed beside a copy, by simple assembly name.</summary>
    public IReadOnlyDictionary<string, string> DependenciesOf(int generation)
    {
        var list = Path.Combine(Path.GetDirectoryName(AssemblyPathOf(generation))!, CopyLayout.DependencyListFileName);
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (File.Exists(list))
        {
            foreach (var line in File.ReadAllLines(list))
            {
                if (line.Length > 0)
                {
                    result[Path.GetFileNameWithoutExtension(line)] = line;
                }
            }
        }

        return result;
    }

}
