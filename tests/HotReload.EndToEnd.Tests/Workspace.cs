using HotReload.Testing;

namespace HotReload.EndToEnd.Tests;

/// <summary>
/// A copy of the sample in a temporary folder, set up as a user's repository would be (see
/// <see cref="SourceTree.CopySample"/>). Deleted on dispose.
/// </summary>
internal sealed class Workspace : IDisposable
{
    private readonly PackedFeed _feed = PackedFeed.Shared;

    public Workspace()
    {
        Root = Path.Combine(_feed.Root, "ws-" + Guid.NewGuid().ToString("N")[..8]);
        SourceTree.CopySample(PackedFeed.RepositoryRoot, Root, _feed.Feed);
        DotNet = new DotNet(Root, _feed.PackagesFolder);
    }

    public DotNet DotNet { get; }

    public string Root { get; }

    public string Library => Path.Combine(Root, "StateManipulation");

    public string LogicFile => Path.Combine(Library, "Logic.cs");

    public string CopiesFolder => Path.Combine(Library, "bin", "reloaded");

    public string HostAssembly(string configuration = "Debug") =>
        Path.Combine(Root, "Host", "bin", configuration, "net10.0", "Host.dll");

    public DotNet.Result Run(params string[] arguments) => DotNet.Run(arguments);

    public DotNet.Result BuildLibrary(params string[] extra) => Run(["build", "StateManipulation", .. extra]);

    public DotNet.Result BuildHost(params string[] extra) => Run(["build", "Host", .. extra]);

    public HostProcess StartHost(string configuration = "Debug", int frames = 100_000, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = DotNet.StartInfo(HostAssembly(configuration), "--frames", frames.ToString());
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return new HostProcess(start);
    }

    /// <summary>The numbers of the copies on disk, lowest first.</summary>
    public IReadOnlyList<int> Copies() =>
        Directory.Exists(CopiesFolder)
            ? Directory.EnumerateDirectories(CopiesFolder)
                .Select(Path.GetFileName)
                .Where(n => int.TryParse(n, out _))
                .Select(n => int.Parse(n!))
                .Order()
                .ToList()
            : [];

    public void Edit(string file, string from, string to)
    {
        var text = File.ReadAllText(file);
        Assert.Contains(from, text);
        File.WriteAllText(file, text.Replace(from, to));
    }

    public void Dispose() => PackedFeed.TryDelete(Root);
}
