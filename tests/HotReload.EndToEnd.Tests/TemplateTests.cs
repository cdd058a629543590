using System.Text.Json;
using HotReload.Testing;

namespace HotReload.EndToEnd.Tests;

/// <summary>
/// The `dotnet new` templates, packed from the source under test and installed into a template cache of the test's
/// own (`--debug:custom-hive`): what they create builds against the packed SDK and runs live with no edit.
/// </summary>
public sealed class TemplateTests
{
    [Fact]
    public void A_program_made_with_dotnet_new_hotreload_builds_runs_and_goes_live_on_save()
    {
        using var templates = new TemplateFolder();
        // A name with a dash: folders and project files keep it, namespaces get an underscore.
        var app = templates.New("hotreload", "-n", "my-game");

        // Nothing but the template: global.json pins the SDK packed beside it, and no nuget.config without --local-feed.
        using (var globalJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(app, "global.json"))))
        {
            Assert.Equal(templates.Feed.Version, globalJson.RootElement.GetProperty("msbuild-sdks").GetProperty("HotReload.Sdk").GetString());
        }

        Assert.False(File.Exists(Path.Combine(app, "nuget.config")));
        var logic = Path.Combine(app, "my-game.Reloadable", "Logic.cs");
        Assert.Contains("namespace my_game.Reloadable;", File.ReadAllText(logic));

        // As a user of a published package would have it from nuget.org: here, the feed under test.
        templates.AddNuGetConfig(app);
        templates.Cli(app).Run("build").ShouldSucceed();

        var hostAssembly = Path.Combine(app, "my-game.Host", "bin", "Debug", "net10.0", "my-game.Host.dll");
        using var host = new HostProcess(templates.Cli(app).StartInfo(hostAssembly, "--frames", "100000"));
        host.WaitFor(l => l.Contains("my-game.Reloadable: live mode", StringComparison.Ordinal) && l.Contains("compiling on save; generation 1 running", StringComparison.Ordinal),
            "the host to start live with its compiler");
        host.WaitForCompiler();
        LiveEdits.WaitForStep(host, 1, 0, "the first frames");

        var at = host.Lines.Count;
        var text = File.ReadAllText(logic);
        Assert.Contains("state.Counter += 1;", text);
        File.WriteAllText(logic, text.Replace("state.Counter += 1;", "state.Counter += 10;"));
        LiveEdits.WaitForStep(host, 10, at, "the saved edit to go live");
        host.WaitFor(l => l.StartsWith("[hotreload] generation 2 live", StringComparison.Ordinal), "the host to report generation 2", from: at);
    }

    [Fact]
    public void Dotnet_new_hotreload_lib_adds_a_reloadable_library_to_a_solution_with_a_host()
    {
        using var templates = new TemplateFolder();
        var app = templates.New("hotreload", "-n", "Game", "--local-feed", templates.Feed.Feed.Folder);
        Assert.Contains($"value=\"{templates.Feed.Feed.Folder}\"", File.ReadAllText(Path.Combine(app, "nuget.config")));

        // Into the existing folder: one library names the SDK's version itself, one leaves it to global.json.
        templates.NewIn(app, "hotreload-lib", "-n", "Game.Tools");
        templates.NewIn(app, "hotreload-lib", "-n", "Game.Effects", "--no-sdk-version");
        Assert.Contains($"<Sdk Name=\"HotReload.Sdk\" Version=\"{templates.Feed.Version}\" />", File.ReadAllText(Path.Combine(app, "Game.Tools", "Game.Tools.csproj")));
        Assert.Contains("<Sdk Name=\"HotReload.Sdk\" />", File.ReadAllText(Path.Combine(app, "Game.Effects", "Game.Effects.csproj")));

        var dotnet = templates.Cli(app);
        dotnet.Run("sln", "Game.slnx", "add", "Game.Tools/Game.Tools.csproj", "Game.Effects/Game.Effects.csproj").ShouldSucceed();
        dotnet.Run("reference", "add", "Game.Tools/Game.Tools.csproj", "Game.Effects/Game.Effects.csproj", "--project", "Game.Host/Game.Host.csproj").ShouldSucceed();
        dotnet.Run("build").ShouldSucceed();

        // Both are reloadable, and the host would open them live.
        foreach (var library in new[] { "Game.Tools", "Game.Effects" })
        {
            Assert.True(File.Exists(Path.Combine(app, library, "bin", "reloaded", "1", $"{library}.1.dll")), $"{library} made no reloadable copy");
        }

        var runtimeConfig = File.ReadAllText(Path.Combine(app, "Game.Host", "bin", "Debug", "net10.0", "Game.Host.runtimeconfig.json"));
        Assert.Contains("\"HotReload.Reloadable.Game.Tools\"", runtimeConfig);
        Assert.Contains("\"HotReload.Reloadable.Game.Effects\"", runtimeConfig);
    }

    /// <summary>A temporary folder with the template package installed into a template cache of its own; deleted on dispose.</summary>
    private sealed class TemplateFolder : IDisposable
    {
        private readonly string _hive;

        public TemplateFolder()
        {
            Root = Path.Combine(Feed.Root, "tpl-" + Guid.NewGuid().ToString("N")[..8]);
            _hive = Path.Combine(Root, "template-cache");
            Directory.CreateDirectory(Root);
            Cli(Root).Run("new", "install", Feed.TemplatePackage, "--debug:custom-hive", _hive).ShouldSucceed();
        }

        public PackedFeed Feed { get; } = PackedFeed.Shared;

        public string Root { get; }

        public DotNet Cli(string folder) => new(folder, Feed.PackagesFolder);

        /// <summary>`dotnet new` in the folder; with -n NAME, returns the folder it creates.</summary>
        public string New(params string[] arguments) => NewIn(Root, arguments);

        public string NewIn(string folder, params string[] arguments)
        {
            Cli(folder).Run(["new", .. arguments, "--debug:custom-hive", _hive]).ShouldSucceed();
            return Path.Combine(folder, arguments[Array.IndexOf(arguments, "-n") + 1]);
        }

        /// <summary>A nuget.config that adds the feed under test, as <see cref="SourceTree.CopySample"/> writes it.</summary>
        public void AddNuGetConfig(string folder) => SourceTree.WriteNuGetConfig(folder, Feed.Feed.Folder);

        public void Dispose() => PackedFeed.TryDelete(Root);
    }
}
