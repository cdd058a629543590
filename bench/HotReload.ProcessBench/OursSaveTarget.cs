namespace HotReload.ProcessBench;

/// <summary>
/// The sample host running with its warm compiler (compile on save, the default): each edit is only a save of
/// StateManipulation/Logic.cs, nothing else is run. <paramref name="generated"/> adds generated source files to the
/// library before the host's build (the scaling figure). <paramref name="patches"/> starts the host with
/// <c>DOTNET_MODIFIABLE_ASSEMBLIES=debug</c>, as the sample's launchSettings.json does for <c>dotnet run</c>, so saves that
/// only change method bodies are patched in place; without it every save is a full copy.
/// </summary>
internal sealed class OursSaveTarget(Scratch scratch, PackageFeed feed, GeneratedCode? generated = null, SaveStyle style = SaveStyle.Rename, bool patches = false) : IEditTarget
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly SampleWorkspace _workspace = new(scratch, feed);
    private readonly List<string> _unexpected = [];
    private RunningProcess? _host;
    private EditObserver? _observer;
    private string? _warmUp;
    private int _saves;
    private int _announcedAsBuilt;

    public string Name => patches ? "HotReload.Sdk (patches, running host)" : "HotReload.Sdk (save only, running host)";

    public string ToolMessage => "the host's `[hotreload] generation N live · ...` or `generation N patched (K) · ...`";

    public string RudeEdit => "a library class's base class (`Frame`, made every frame)";

    /// <summary>The host's process id, once started.</summary>
    public int HostProcessId => _host?.Id ?? throw new InvalidOperationException("Start first.");

    /// <summary>The warm compiler: the host's child process running HotReload.Compiler.dll.</summary>
    public int CompilerProcessId => ProcessMemory.ChildRunning(HostProcessId, "HotReload.Compiler.dll")
        ?? throw new InvalidOperationException($"No child process of the host {HostProcessId} runs HotReload.Compiler.dll.");

    /// <summary>How many `[hotreload] generation N unloaded` lines the host has printed.</summary>
    public int Unloads => _host?.LinesFrom(0).Count(l => l.Text.StartsWith("[hotreload] generation ", StringComparison.Ordinal)
        && l.Text.Contains(" unloaded (", StringComparison.Ordinal)) ?? 0;

    public void Start(StepCode code)
    {
        generated?.WriteTo(Path.Combine(_workspace.LibraryFolder, "Generated"), "StateManipulation.Generated");
        SourceFile.Save(_workspace.LogicFile, code.ReloadableLogic());
        Console.WriteLine($"{Name}: building the host...");
        _workspace.BuildHost().ThrowIfFailed();
        var host = _host = _workspace.StartHost(patches ? new Dictionary<string, string> { ["DOTNET_MODIFIABLE_ASSEMBLIES"] = "debug" } : null);
        var counters = new CounterLines(text => long.TryParse(text, out var value) ? (host.Id, value) : null);
        _observer = new EditObserver(host, counters, SaveSplit.IsLiveLine);

        // Timed saves must wait for the warm compiler: until it is ready a save would be compiled late, or not at all.
        var ready = host.WaitFor(lines => lines.Cast<OutputLine?>().FirstOrDefault(l => IsReadyLine(l!.Value.Text)),
            "the host's warm compiler to be ready", StartTimeout);
        _warmUp = ready.Text;
        var mode = host.LinesFrom(0).FirstOrDefault(l => l.Text.Contains(" running", StringComparison.Ordinal)).Text ?? "";
        if (!mode.Contains("compiling on save", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The host does not compile on save:{Environment.NewLine}{host.Transcript()}");
        }

        _observer.WaitUntilCounting("the host to start counting");
    }

    public EditResult Apply(StepCode code)
    {
        var (observer, host) = Running();
        var before = observer.Mark();
        SourceFile.SaveNew(_workspace.LibraryFolder, code.RuleFiles("StateManipulation"), style);
        SourceFile.Save(_workspace.LogicFile, code.ReloadableLogic(), style);
        var result = observer.WaitForEffect(before, code.Step, saveToBuildExit: null);
        NoteUnexpected(host, before.LineIndex);
        return result;
    }

    public ErrorResult ApplyBroken(StepCode code)
    {
        var (observer, host) = Running();
        var before = observer.Mark();
        SourceFile.Save(_workspace.LogicFile, code.ReloadableLogic(), style);
        var result = observer.WaitForError(before, CompilerError.IsMatch);
        // The host ends its report with this line; the next save must not find it still reporting this one.
        host.WaitFor(lines => lines.Any(l => l.Text.StartsWith("[hotreload] the save did not compile", StringComparison.Ordinal)) ? true : (bool?)null,
            "the host's compile error report", TimeSpan.FromSeconds(30), before.LineIndex);
        return result;
    }

    /// <summary>The reasons the compiler gave for full copies (`full copy: ...`), and how many saves each.</summary>
    public IReadOnlyDictionary<string, int> FullCopyReasons => _host?.LinesFrom(0)
        .Where(l => l.Text.StartsWith("[hotreload] full copy: ", StringComparison.Ordinal))
        .GroupBy(l => l.Text["[hotreload] full copy: ".Length..]).ToDictionary(g => g.Key, g => g.Count()) ?? [];

    public string? Summary() =>
        $"{Name}: the host said `{_warmUp}`."
        + (_announcedAsBuilt == 0 ? "" : $" {_announcedAsBuilt} of {_saves} copies made by a save (warm-up included; no build ran) were announced "
            + "`live · built by dotnet build`, without the save's split: apparently the host's folder watcher had the copy loaded and "
            + "switched to before it read the compiler's `published` message, which carries the split (the compiler sends it after "
            + "publishing the folder and pruning old copies).")
        + (_unexpected.Count == 0 ? "" : " Other lines it printed after saves: " + string.Join("; ", _unexpected.Distinct().Take(10).Select(l => $"`{l}`")) + ".");

    public void Dispose() => _host?.Dispose(); // the warm compiler ends with the host (its input pipe closes); the kill takes the tree

    private (EditObserver, RunningProcess) Running() =>
        (_observer ?? throw new InvalidOperationException("Start first."), _host!);

    private static bool IsReadyLine(string text) =>
        text.StartsWith("[hotreload] compiling ", StringComparison.Ordinal) && text.Contains(" on save (warmed up in ", StringComparison.Ordinal);

    // Warnings, builds the compiler ran: anything but counters, save-made copies and unloads.
    private void NoteUnexpected(RunningProcess host, int from)
    {
        _saves++;
        foreach (var line in host.LinesFrom(from).Select(l => l.Text))
        {
            if (SaveSplit.IsLiveLine(line) && line.Contains(" live · built by dotnet build", StringComparison.Ordinal))
            {
                _announcedAsBuilt++;
            }
            else if (line.StartsWith("[hotreload] ", StringComparison.Ordinal) && SaveSplit.Parse(line) is null && !line.Contains(" unloaded (", StringComparison.Ordinal)
                && !line.StartsWith("[hotreload] full copy: ", StringComparison.Ordinal))
            {
                _unexpected.Add(line);
            }
        }
    }
}
