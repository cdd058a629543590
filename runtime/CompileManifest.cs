namespace HotReload;

/// <summary>
/// What the warm compiler needs to compile a reloadable library on save, written by the library's build to
/// <c>obj/&lt;Name&gt;.hotreload.manifest</c> (rewritten only when it changes) and named in the host's runtimeconfig.json.
/// One <c>key=value</c> per line, keys repeated for lists. The build (Sdk.targets) writes it; the runtime (to start the
/// compiler) and the compiler read it through this class, compiled into both.
/// </summary>
internal sealed class CompileManifest
{
    public const string FileExtension = ".hotreload.manifest";

    private readonly Dictionary<string, List<string>> _values;

    private CompileManifest(string path, Dictionary<string, List<string>> values)
    {
        Path = path;
        _values = values;
    }

    public string Path { get; }

    public string AssemblyName => Single("assembly-name");

    /// <summary>
    /// Held by the one warm compiler that compiles this library while several hosts run it; the others stand by and
    /// take it over when its host ends. The operating system releases it with the process that held it.
    /// </summary>
    public string CompilerLockFile => StateFile(".hotreload.compiler.lock");

    /// <summary>Every <see cref="CompilerProtocol"/> line the compiling compiler sends, for the hosts whose compiler stands by.</summary>
    public string SharedLogFile => StateFile(".hotreload.log");

    /// <summary>
    /// Where each host that cannot apply patches holds a marker (<see cref="PatchlessHosts"/>), so the compiler makes
    /// full copies while one runs.
    /// </summary>
    public string PatchlessHostsFolder => StateFile(".hotreload.hosts");

    public string ProjectFile => Single("project-file");

    public string ProjectDirectory => System.IO.Path.GetDirectoryName(ProjectFile)!;

    /// <summary>The compiler arguments of the library's last compile, one a line (<c>obj/&lt;Name&gt;.hotreload.rsp</c>).</summary>
    public string ResponseFile => Single("response-file");

    /// <summary>The library's own compiled assembly in obj/: a source written after it is not in the last build's copy.</summary>
    public string IntermediateAssembly => Single("intermediate-assembly");

    public string CopiesDirectory => Single("copies-directory");

    public string CounterFile => Single("counter-file");

    public int KeepCopies => int.TryParse(Single("keep-copies"), out var n) && n > 0 ? n : 10;

    /// <summary>The folder of the build's own compiler (the SDK's Roslyn/bincore): the warm compiler loads that Roslyn.</summary>
    public string CompilerDirectory => Single("compiler-directory");

    /// <summary>
    /// The .NET SDK's MSBuild folder (the build's own where the build ran on .NET): the warm compiler evaluates the
    /// project with it when a source file appears. Null in a manifest from before it was recorded.
    /// </summary>
    public string? MSBuildDirectory => Optional("msbuild-directory");

    public string DotNetHost => Single("dotnet-host");

    /// <summary>HotReload.Compiler.dll in the SDK package.</summary>
    public string CompilerTool => Single("compiler-tool");

    public string Configuration => Single("configuration");

    /// <summary>Empty unless the library has several target frameworks.</summary>
    public string TargetFramework => Optional("target-framework") ?? "";

    /// <summary>Folders whose files are never sources: the project's bin/ and obj/.</summary>
    public IReadOnlyList<string> ExcludedDirectories => List("excluded-directory");

    /// <summary>Files whose change needs a real build: the project file, Directory.Build.props/targets, ...</summary>
    public IReadOnlyList<string> BuildFiles => List("build-file");

    /// <summary>Project files of referenced projects: an edit there needs a real build too.</summary>
    public IReadOnlyList<string> ReferencedProjects => List("referenced-project");

    /// <summary>Runtime assemblies the library depends on, written beside each copy (dependencies.txt).</summary>
    public IReadOnlyList<string> RuntimeDependencies => List("runtime-dependency");

    // Beside the manifest: obj/<Name>.hotreload.manifest → obj/<Name><suffix>.
    private string StateFile(string suffix) =>
        (Path.EndsWith(FileExtension, StringComparison.Ordinal) ? Path[..^FileExtension.Length] : Path) + suffix;

    public static CompileManifest Read(string path)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(path))
        {
            var separator = line.IndexOf('=');
            if (separator <= 0)
            {
                continue;
            }

            var key = line[..separator].Trim();
            if (!values.TryGetValue(key, out var list))
            {
                values[key] = list = [];
            }

            var value = line[(separator + 1)..].Trim();
            if (value.Length > 0)
            {
                list.Add(value);
            }
        }

        return new CompileManifest(System.IO.Path.GetFullPath(path), values);
    }

    private string? Optional(string key) => _values.TryGetValue(key, out var list) && list.Count > 0 ? list[0] : null;

    private string Single(string key) =>
        Optional(key) ?? throw new InvalidDataException($"'{Path}' has no '{key}'; build the library again to rewrite it.");

    private IReadOnlyList<string> List(string key) => _values.TryGetValue(key, out var list) ? list : [];
}
