namespace HotReload.ProcessBench;

/// <summary>A copy of the sample in the scratch folder, set up as a user's repository would be (see <see cref="SourceTree.CopySample"/>).</summary>
internal sealed class SampleWorkspace
{
    public SampleWorkspace(Scratch scratch, PackageFeed feed)
    {
        Root = scratch.NewFolder("sample");
        SourceTree.CopySample(Repository.Root, Root, feed);
        DotNet = new DotNet(Root, scratch.PackagesFolder);
    }

    public string Root { get; }

    public DotNet DotNet { get; }

    /// <summary>The reloadable library's project folder.</summary>
    public string LibraryFolder => Path.Combine(Root, "StateManipulation");

    public string LogicFile => Path.Combine(LibraryFolder, "Logic.cs");

    public string HostAssembly => Path.Combine(Root, "Host", "bin", "Debug", "net10.0", "Host.dll");

    /// <summary>The README's rebuild command.</summary>
    public DotNet.Result BuildLibrary(params string[] extra) => DotNet.Run(["build", "StateManipulation", .. extra]);

    public DotNet.Result BuildHost(params string[] extra) => DotNet.Run(["build", "Host", .. extra]);

    public RunningProcess StartHost(IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = DotNet.StartInfo(HostAssembly, "--frames", "1000000");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return new RunningProcess(start);
    }
}
