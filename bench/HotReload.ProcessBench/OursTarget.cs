using System.Text.RegularExpressions;

namespace HotReload.ProcessBench;

/// <summary>The sample host running; each edit is saved to StateManipulation/Logic.cs and followed by the README's
/// rebuild command, `dotnet build StateManipulation`, as a user would do it. With <paramref name="compilerServer"/>,
/// the builds add -p:UseSharedCompilation=true (a user's default; this machine's environment turns it off).</summary>
internal sealed partial class OursTarget(Scratch scratch, PackageFeed feed, bool compilerServer) : IEditTarget
{
    private readonly string[] _buildArguments = compilerServer ? ["-p:UseSharedCompilation=true"] : [];
    private readonly SampleWorkspace _workspace = new(scratch, feed);
    private RunningProcess? _host;
    private EditObserver? _observer;
    private int _builds;
    private int _alongside;

    public string Name => compilerServer
        ? "HotReload.Sdk (`dotnet build StateManipulation -p:UseSharedCompilation=true`, running host)"
        : "HotReload.Sdk (`dotnet build StateManipulation`, running host)";

    public string ToolMessage => "the host's `[hotreload] generation N is live`";

    public void Start(StepCode code)
    {
        SourceFile.Save(_workspace.LogicFile, code.ReloadableLogic());
        Console.WriteLine("Edit figure (ours): building the host...");
        _workspace.BuildHost().ThrowIfFailed();
        var host = _host = _workspace.StartHost();
        var counters = new CounterLines(text => long.TryParse(text, out var value) ? (host.Id, value) : null);
        _observer = new EditObserver(host, counters, text => LiveLine().IsMatch(text));
        _observer.WaitUntilCounting("the host to start counting");
    }

    public EditResult Apply(StepCode code)
    {
        var observer = _observer ?? throw new InvalidOperationException("Start first.");
        var before = observer.Mark();
        SourceFile.Save(_workspace.LogicFile, code.ReloadableLogic());
        var build = _workspace.BuildLibrary(_buildArguments).ThrowIfFailed();
        var buildExit = (Clock.Now - before.SavedAt).TotalMilliseconds;
        var copy = BuildOutput.Parse(build.Output);
        if (!copy.MadeCopy)
        {
            throw new InvalidOperationException($"The build made no reloadable copy:{Environment.NewLine}{build.Output}");
        }

        _builds++;
        _alongside += copy.CompiledAlongside ? 1 : 0;

        return observer.WaitForEffect(before, code.Step, buildExit);
    }

    public string? Summary() =>
        $"{Name}: {_alongside} of {_builds} builds (warm-up included) compiled the copy alongside the normal compile.";

    public void Dispose()
    {
        _host?.Dispose();
        if (compilerServer)
        {
            // Only the compiler server (VBCSCompiler) was started by these builds; leave other build servers alone.
            _workspace.DotNet.Run("build-server", "shutdown", "--vbcscompiler");
        }
    }

    [GeneratedRegex(@"^\[hotreload\] generation \d+ is live")]
    private static partial Regex LiveLine();
}
