namespace HotReload.ProcessBench;

/// <summary>The sample host running without its warm compiler (built with HotReloadCompileOnSave=false, so only the
/// builds make copies); each edit is saved to StateManipulation/Logic.cs and followed by `dotnet build StateManipulation`,
/// the way to reload before compile on save. With <paramref name="compilerServer"/>, the builds add
/// -p:UseSharedCompilation=true (a user's default; this machine's environment turns it off).</summary>
internal sealed class OursBuildTarget(Scratch scratch, PackageFeed feed, bool compilerServer) : IEditTarget
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

    public string ToolMessage => "the host's `[hotreload] generation N live · built by dotnet build`";

    public string RudeEdit => "a library class's base class (`Frame`, made every frame)";

    public void Start(StepCode code)
    {
        SourceFile.Save(_workspace.LogicFile, code.ReloadableLogic());
        Console.WriteLine("Edit figure (ours): building the host...");
        _workspace.BuildHost("-p:HotReloadCompileOnSave=false").ThrowIfFailed();
        var host = _host = _workspace.StartHost();
        var counters = new CounterLines(text => long.TryParse(text, out var value) ? (host.Id, value) : null);
        _observer = new EditObserver(host, counters, SaveSplit.IsLiveLine);
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

    public ErrorResult ApplyBroken(StepCode code) =>
        throw new NotSupportedException("The build-based figure times edits only.");

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
}
