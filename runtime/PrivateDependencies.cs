namespace HotReload.Runtime;

/// <summary>
/// The private dependencies a copy lists (<see cref="CopyLayout.DependencyListFileName"/>), and the checks before one
/// loads. The list lies in the folder of copies, beside code that runs anyway, so it is not trusted on its own word: a
/// dependency loads only from its real path (every link resolved), only when that path is under a folder the host's
/// own build named (<see cref="TrustedRoots"/>), and only while the file has the SHA-256 the build recorded. Anything
/// else is refused with HR2010, naming the file.
/// <para>
/// The list is checked as a whole when the copy is loaded: a malformed line, or a file outside the roots for an
/// assembly the host does not have (one that would load from the list), refuses the copy before it runs. The hash is
/// checked when the assembly actually loads, as is the path once more, and the file loads from the path checked.
/// </para>
/// </summary>
internal sealed class PrivateDependencies
{
    private readonly Dictionary<string, (string Sha256, string Path)> _byName;
    private readonly string _listFile;
    private readonly TrustedRoots _roots;
    private readonly IReadOnlyList<string> _realRoots;

    private PrivateDependencies(string listFile, TrustedRoots roots, IReadOnlyList<string> realRoots, Dictionary<string, (string, string)> byName)
    {
        _listFile = listFile;
        _roots = roots;
        _realRoots = realRoots;
        _byName = byName;
    }

    /// <summary>A copy with no list: every assembly it needs comes from the host.</summary>
    public static PrivateDependencies None { get; } =
        new("", TrustedRoots.Parse(null), [], new Dictionary<string, (string, string)>(StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// Reads a copy's list. Throws HR2010 for a line that is not as the build writes it, and for a file outside the
    /// roots under a name the host lacks (<paramref name="hostHas"/> false): that one would load from the list.
    /// </summary>
    public static PrivateDependencies Read(string listFile, TrustedRoots roots, Func<string, bool> hostHas)
    {
        var realRoots = roots.Resolve();
        var byName = new Dictionary<string, (string, string)>(StringComparer.OrdinalIgnoreCase);
        var result = new PrivateDependencies(listFile, roots, realRoots, byName);
        var number = 0;
        foreach (var line in File.ReadLines(listFile))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            if (!CopyLayout.TryParseDependency(line, out var sha256, out var path))
            {
                throw new HotReloadException(
                    $"HR2010: line {number} of '{listFile}' is not a SHA-256, a tab and a full path, as the build writes it. The copy is refused and the running generation stays. Build the library again (dotnet build) to rewrite the list.");
            }

            var name = Path.GetFileNameWithoutExtension(path);
            if (!hostHas(name))
            {
                result.RealPathOf(path); // throws HR2010 when outside the roots
            }

            byName[name] = (sha256, path);
        }

        return result;
    }

    /// <summary>
    /// The path to load for an assembly the host lacks: null when the list does not name it or its file is gone (the
    /// default context then resolves it, as without a list). Throws HR2010 when the file is outside the roots or no
    /// longer has the hash the build recorded.
    /// </summary>
    public string? Verify(string name)
    {
        if (!_byName.TryGetValue(name, out var listed))
        {
            return null;
        }

        var real = RealPathOf(listed.Path);
        var actual = CopyLayout.Sha256Of(real);
        if (actual is null)
        {
            return null;
        }

        if (!string.Equals(actual, listed.Sha256, StringComparison.Ordinal))
        {
            throw new HotReloadException(
                $"HR2010: '{listed.Path}', a private dependency listed in '{_listFile}', changed since the build listed it (SHA-256 {listed.Sha256} then, {actual} now), so it is not loaded; a copy that needs it while loading is refused, and the running generation stays. Build the library again (dotnet build) so that its copy lists the file as it is now; if nothing of yours changed it, find out what did.");
        }

        return real;
    }

    /// <summary>The listed file's real path; HR2010 unless it is under a trusted root.</summary>
    private string RealPathOf(string listed)
    {
        var real = RealPaths.Resolve(listed);
        if (real is not null && _realRoots.Any(root => RealPaths.IsUnder(real, root)))
        {
            return real;
        }

        var where = real is null
            ? "whose symbolic links loop"
            : string.Equals(real, Path.GetFullPath(listed), RealPaths.Comparison)
                ? "outside the folders the host's build trusts"
                : $"which leads through a symbolic link to '{real}', outside the folders the host's build trusts";
        throw new HotReloadException(
            $"HR2010: '{_listFile}' lists '{listed}' as a private dependency, {where} ({_roots.Describe()}). It is not loaded: a copy that lists it is refused, and the running generation stays. Build the library again (dotnet build) so that the list names what the build resolved; if you added a project or assembly reference to the library since the host was built, stop the host, build it, and start it again.");
    }
}

/// <summary>
/// The folders a library's private dependencies may load from, as the HOST's build named them in its
/// runtimeconfig.json (<c>HotReload.DependencyRoots.&lt;AssemblyName&gt;</c>, written by HotReload.Runtime's build
/// targets from what HotReload.Sdk put on the library's target path): the library's NuGet package folders and the
/// output folders of the projects (and assembly files) it references. Nothing in the folder of copies can add one.
/// </summary>
internal sealed class TrustedRoots
{
    /// <summary>The runtimeconfig.json option, followed by the assembly name: the trusted folders, separated by ';'.</summary>
    public const string ConfigurationPrefix = "HotReload.DependencyRoots.";

    private TrustedRoots(IReadOnlyList<string> folders, string? assemblyName)
    {
        Folders = folders;
        AssemblyName = assemblyName;
    }

    public IReadOnlyList<string> Folders { get; }

    /// <summary>Set when read from the host's configuration: named in messages when no folder is configured.</summary>
    public string? AssemblyName { get; }

    /// <summary>What the host's runtimeconfig.json names for <paramref name="assemblyName"/>; no folder when it names none.</summary>
    public static TrustedRoots FromConfiguration(string assemblyName) =>
        new(Parse(AppContext.GetData(ConfigurationPrefix + assemblyName) as string).Folders, assemblyName);

    /// <summary>Folders separated by ';'; empty entries and relative paths are left out.</summary>
    public static TrustedRoots Parse(string? value) =>
        new((value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(Path.IsPathFullyQualified)
            .Distinct(StringComparer.Ordinal)
            .ToList(), null);

    /// <summary>Each folder's real path (links resolved), so that a root reached through a link still holds its files.</summary>
    public IReadOnlyList<string> Resolve() =>
        Folders.Select(RealPaths.Resolve).OfType<string>().ToList();

    /// <summary>For messages: the folders, or why there are none.</summary>
    public string Describe() => Folders.Count > 0
        ? "trusted: " + string.Join("; ", Folders.Select(f => $"'{f}'"))
        : AssemblyName is null
            ? "no folder is trusted"
            : $"no folder is trusted: the host's runtimeconfig.json has no {ConfigurationPrefix}{AssemblyName}; build the host with this version of HotReload.Runtime";
}

/// <summary>Paths with their links resolved, and whether one is inside a folder.</summary>
internal static class RealPaths
{
    /// <summary>As the file systems compare names: case matters on Linux, not by default on Windows and macOS.</summary>
    public static StringComparison Comparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static readonly char[] Separators = [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar];

    /// <summary>
    /// The full path with every symbolic link or junction along it replaced by its target, so that no part of the result
    /// is a link and the file opened is the one checked; null when links lead to links more than 40 times (a loop).
    /// Parts that do not exist are kept as they are.
    /// </summary>
    public static string? Resolve(string path)
    {
        var current = Path.GetFullPath(path);
        for (var hops = 0; hops <= 40; hops++)
        {
            var root = Path.GetPathRoot(current)!;
            var parts = current[root.Length..].Split(Separators, StringSplitOptions.RemoveEmptyEntries);
            var resolved = root;
            string? redirected = null;
            for (var i = 0; i < parts.Length && redirected is null; i++)
            {
                var next = Path.Combine(resolved, parts[i]);
                if (LinkTarget(next) is { } target)
                {
                    // A relative target is relative to the link's folder; an absolute one replaces everything before it.
                    redirected = Path.GetFullPath(Path.Combine([Path.Combine(resolved, target), .. parts[(i + 1)..]]));
                }
                else
                {
                    resolved = next;
                }
            }

            if (redirected is null)
            {
                return resolved;
            }

            current = redirected;
        }

        return null;
    }

    /// <summary>True when <paramref name="path"/> is inside <paramref name="folder"/> (both full, without links).</summary>
    public static bool IsUnder(string path, string folder)
    {
        var trimmed = Path.TrimEndingDirectorySeparator(folder); // a root such as '/' keeps its separator
        var prefix = Path.EndsInDirectorySeparator(trimmed) ? trimmed : trimmed + Path.DirectorySeparatorChar;
        return path.Length > prefix.Length && path.StartsWith(prefix, Comparison);
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return Directory.Exists(path) ? new DirectoryInfo(path).LinkTarget : new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // unreadable: taken as it is, and then it cannot be opened either
        }
    }
}
