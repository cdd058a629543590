namespace HotReload.EndToEnd.Tests;

/// <summary>
/// A copy of the sample (Common, StateManipulation, Host) in a temporary folder, set up as a user's repository would
/// be: a nuget.config with the packed feed, a global.json naming the SDK version. Deleted on dispose.
/// </summary>
internal sealed class Workspace : IDisposable
{
    private readonly PackedFeed _feed = PackedFeed.Shared;

    public Workspace()
    {
        Root = Path.Combine(_feed.Root, "ws-" + Guid.NewGuid().ToString("N")[..8]);
        var sample = Path.Combine(PackedFeed.RepositoryRoot, "sample");
        foreach (var project in new[] { "Common", "StateManipulation", "Host" })
        {
            var target = Path.Combine(Root, project);
            Directory.CreateDirectory(target);
            foreach (var file in Directory.EnumerateFiles(Path.Combine(sample, project)))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }

        File.WriteAllText(Path.Combine(Root, "global.json"), $$"""{ "msbuild-sdks": { "HotReload.Sdk": "{{_feed.Version}}" } }""");
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="hotreload-under-test" value="{_feed.FeedFolder}" />
              </packageSources>
            </configuration>
            """);
        // Stop MSBuild from picking up anything above the workspace.
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />");
    }

    public string Root { get; }

    public string Library => Path.Combine(Root, "StateManipulation");

    public string LogicFile => Path.Combine(Library, "Logic.cs");

    public string CopiesFolder => Path.Combine(Library, "bin", "reloaded");

    public string HostAssembly(string configuration = "Debug") =>
        Path.Combine(Root, "Host", "bin", configuration, "net10.0", "Host.dll");

    public DotNet.Result Run(params string[] arguments) => DotNet.Run(Root, _feed.PackagesFolder, arguments);

    public DotNet.Result BuildLibrary(params string[] extra) => Run(["build", "StateManipulation", .. extra]);

    public DotNet.Result BuildHost(params string[] extra) => Run(["build", "Host", .. extra]);

    public HostProcess StartHost(string configuration = "Debug", int frames = 100_000) => new(Root, _feed.PackagesFolder, HostAssembly(configuration), frames);

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
