using System.Diagnostics;
using System.Text.RegularExpressions;

namespace HotReload.ProcessBench;

/// <summary>One host of a <see cref="HostGroup"/>: the sample host process and what reads its counter lines.</summary>
/// <param name="Number">Its place in the order the run started hosts, from 1.</param>
internal sealed class GroupHost(int number, RunningProcess process) : IDisposable
{
    public int Number => number;

    public RunningProcess Process => process;

    public EditObserver Observer { get; } = new(process,
        new CounterLines(text => long.TryParse(text, out var value) ? (process.Id, value) : null), SaveSplit.IsLiveLine);

    /// <summary>Its warm compiler compiles (the host printed `compiling ... on save`; it never stops once it has).</summary>
    public bool Compiles => process.LinesFrom(0).Any(l => HostGroup.IsCompilingLine(l.Text));

    /// <summary>Live lines that did not carry a save's split (`live · built by dotnet build`) though no build ran.</summary>
    public int AnnouncedAsBuilt { get; set; }

    public List<string> Unexpected { get; } = [];

    public void Dispose() => process.Dispose(); // the kill takes the tree: the host and its warm compiler
}

/// <summary>What one host showed for one save.</summary>
/// <param name="Compiling">The host's warm compiler was the one compiling (the others stand by).</param>
/// <param name="Generation">The N of the host's `generation N live` line after the save, or null.</param>
internal sealed record HostEffect(int Host, bool Compiling, EditResult Result, int? Generation)
{
    /// <summary>Save → first new frame less the host's frame wait (the copy loaded, waiting for the next frame's swap point),
    /// NaN without the host's split.</summary>
    public double WithoutFrameWait => SaveSplit.Parse(Result.ToolMessage) is { } split && !double.IsNaN(split.Wait)
        ? Result.SaveToNewFrame - split.Wait
        : double.NaN;
}

/// <summary>One save, as every running host saw it, and how many copies appeared for it.</summary>
/// <param name="Copies">Numbered copies published between this save and the next thing the driver did (the next save,
/// or ending, starting or killing a host), at least 500 ms after every host ran the save.</param>
/// <param name="StrayCopies">Copies that appeared before this save, after the last count, with no save to make them
/// (a host started, or a compiler taking over, compiled something on its own): should be 0.</param>
internal sealed record HostSave(string Phase, List<HostEffect> Hosts, int Copies, int StrayCopies)
{
    public HostEffect Slowest => Hosts.MaxBy(h => h.Result.SaveToNewFrame)!;

    /// <summary>Every host went live on the same copy.</summary>
    public bool SameCopy => Hosts.All(h => h.Generation is not null) && Hosts.Select(h => h.Generation).Distinct().Count() == 1;
}

/// <summary>The compiling host killed (SIGKILL, the host alone), and another host's compiler taking over.</summary>
/// <param name="KillToCompilerExit">Kill → the killed host's warm compiler exited (it watches its host: its input pipe
/// closes), which releases the compiler lock.</param>
/// <param name="KillToTakeover">Kill → the line `compiling ... on save` in another host.</param>
internal sealed record Takeover(int Killed, int TookOver, double KillToCompilerExit, double KillToTakeover, string Line);

/// <summary>
/// Several sample hosts on one library: one workspace, one build, then as many `dotnet Host.dll` processes as asked.
/// One host's warm compiler compiles, the others stand by. Each edit is a save of Logic.cs, timed in every host to
/// the first frame that runs the new code (<see cref="Apply"/> returns the slowest host's result; all are kept in
/// <see cref="Saves"/>), with the copies the save made counted in the folder of copies.
/// </summary>
internal sealed partial class HostGroup(Scratch scratch, PackageFeed feed) : IEditTarget
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan TakeoverTimeout = TimeSpan.FromSeconds(60);

    private readonly SampleWorkspace _workspace = new(scratch, feed);
    private readonly List<GroupHost> _hosts = [];
    private readonly List<GroupHost> _ended = [];
    private readonly List<HostSave> _saves = [];
    private (string Phase, List<HostEffect> Hosts, int Before, int Stray)? _pending;
    private int _counted; // the highest copy number at the last count
    private int _started;

    public string Name => "HotReload.Sdk (save only, several running hosts)";

    public string ToolMessage => "each host's `[hotreload] generation N live · ...`";

    public string RudeEdit => "a library class's base class";

    /// <summary>Put on each save made from now on (<see cref="HostSave.Phase"/>).</summary>
    public string Phase { get; set; } = "";

    /// <summary>Every save so far, but the last (counted at the next step, see <see cref="HostSave.Copies"/>).</summary>
    public IReadOnlyList<HostSave> Saves => _saves;

    public IReadOnlyList<GroupHost> Running => _hosts;

    public static bool IsCompilingLine(string text) =>
        text.StartsWith("[hotreload] compiling ", StringComparison.Ordinal)
        && (text.Contains(" on save (warmed up in ", StringComparison.Ordinal) || text.Contains(" on save (took over ", StringComparison.Ordinal));

    public static bool IsStandbyLine(string text) => text.StartsWith("[hotreload] another host compiles ", StringComparison.Ordinal);

    /// <summary>Builds the host and starts one.</summary>
    public void Start(StepCode code)
    {
        SourceFile.Save(_workspace.LogicFile, code.ReloadableLogic());
        Console.WriteLine($"{Name}: building the host...");
        _workspace.BuildHost().ThrowIfFailed();
        Launch(1);
        _counted = PublishedGenerations().DefaultIfEmpty().Max();
    }

    /// <summary>Ends every running host (with its compiler), then starts <paramref name="count"/> at once.</summary>
    public void Restart(int count)
    {
        Count();
        foreach (var host in _hosts)
        {
            host.Dispose();
            _ended.Add(host);
        }

        _hosts.Clear();
        Launch(count);
    }

    /// <summary>Starts one more host (it stands by, since another compiles).</summary>
    public void AddHost()
    {
        Count();
        Launch(1);
    }

    /// <summary>Kills the compiling host alone (SIGKILL, by its process id), and waits for another host's compiler to say
    /// it compiles now; the killed host's own compiler is left to notice its host is gone, as after a crash.</summary>
    public Takeover KillCompiling()
    {
        Count();
        var victim = _hosts.Single(h => h.Compiles);
        var compilerId = ProcessMemory.ChildRunning(victim.Process.Id, "HotReload.Compiler.dll")
            ?? throw new InvalidOperationException($"The compiling host {victim.Process.Id} has no warm compiler running.");
        var others = _hosts.Where(h => h != victim).ToList();
        var marks = others.Select(h => h.Process.Count).ToList();

        using var process = Process.GetProcessById(victim.Process.Id);
        var killedAt = Clock.Now;
        process.Kill(entireProcessTree: false); // SIGKILL on Linux, to the host alone

        TimeSpan? compilerExit = null;
        (GroupHost Host, OutputLine Line)? takeover = null;
        while (compilerExit is null || takeover is null)
        {
            if (compilerExit is null && !IsRunning(compilerId))
            {
                compilerExit = Clock.Now;
            }

            for (var i = 0; i < others.Count && takeover is null; i++)
            {
                if (others[i].Process.LinesFrom(marks[i]).Cast<OutputLine?>().FirstOrDefault(l => IsCompilingLine(l!.Value.Text)) is { } line)
                {
                    takeover = (others[i], line);
                }
            }

            if (Clock.Now - killedAt > TakeoverTimeout)
            {
                throw new InvalidOperationException($"No host took over within {TakeoverTimeout.TotalSeconds:F0} s of the kill "
                    + $"(the killed host's compiler {(compilerExit is null ? "still runs" : "exited")}). The others' last lines:{Environment.NewLine}"
                    + string.Join(Environment.NewLine + Environment.NewLine, others.Select(h => h.Process.Transcript())));
            }

            Thread.Sleep(2);
        }

        process.WaitForExit();
        _hosts.Remove(victim);
        victim.Dispose();
        _ended.Add(victim);
        var (taker, takeoverLine) = takeover.Value;
        return new Takeover(victim.Number, taker.Number, (compilerExit.Value - killedAt).TotalMilliseconds,
            (takeoverLine.At - killedAt).TotalMilliseconds, takeoverLine.Text);
    }

    public EditResult Apply(StepCode code)
    {
        var stray = Count();
        var hosts = _hosts.ToList();
        var before = _counted;
        var marks = hosts.Select(h => h.Observer.Mark()).ToList();
        var savedAt = Clock.Now; // one instant for all hosts
        marks = marks.Select(m => m with { SavedAt = savedAt }).ToList();
        SourceFile.Save(_workspace.LogicFile, code.ReloadableLogic());

        var effects = new List<HostEffect>();
        for (var i = 0; i < hosts.Count; i++)
        {
            var result = hosts[i].Observer.WaitForEffect(marks[i], code.Step, saveToBuildExit: null);
            effects.Add(new HostEffect(hosts[i].Number, hosts[i].Compiles, result, Generation(result.ToolMessage)));
        }

        for (var i = 0; i < hosts.Count; i++)
        {
            NoteLines(hosts[i], marks[i].LineIndex);
        }

        _pending = (Phase, effects, before, stray);
        return effects.MaxBy(e => e.Result.SaveToNewFrame)!.Result;
    }

    public ErrorResult ApplyBroken(StepCode code) => throw new NotSupportedException("The hosts figure times edits only.");

    /// <summary>Counts the last save's copies (call once the run is over).</summary>
    public void Finish() => Count();

    public string? Summary()
    {
        var all = _ended.Concat(_hosts).OrderBy(h => h.Number).ToList();
        var notes = new List<string>();
        var built = all.Where(h => h.AnnouncedAsBuilt > 0).ToList();
        if (built.Count > 0)
        {
            notes.Add("Live lines without the save's split (`live · built by dotnet build`, though no build ran), per host: "
                + string.Join(", ", built.Select(h => $"host {h.Number}: {h.AnnouncedAsBuilt}")) + ".");
        }

        var unexpected = all.SelectMany(h => h.Unexpected.Distinct().Select(l => $"host {h.Number}: `{l}`")).Take(12).ToList();
        if (unexpected.Count > 0)
        {
            notes.Add("Other `[hotreload]` lines the hosts printed after saves: " + string.Join("; ", unexpected) + ".");
        }

        return notes.Count == 0 ? null : string.Join(" ", notes);
    }

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }
    }

    /// <summary>Starts <paramref name="count"/> hosts one right after the other, then waits until each one's compiler
    /// compiles or stands by and it counts; exactly one of all running hosts must compile.</summary>
    private void Launch(int count)
    {
        var started = new List<GroupHost>();
        for (var i = 0; i < count; i++)
        {
            started.Add(new GroupHost(++_started, _workspace.StartHost()));
        }

        _hosts.AddRange(started);
        foreach (var host in started)
        {
            var process = host.Process;
            process.WaitFor(lines => lines.Any(l => IsCompilingLine(l.Text) || IsStandbyLine(l.Text)) ? true : (bool?)null,
                $"host {host.Number}'s warm compiler to compile or stand by", StartTimeout);
            var mode = process.LinesFrom(0).FirstOrDefault(l => l.Text.Contains(" running", StringComparison.Ordinal)).Text ?? "";
            if (!mode.Contains("compiling on save", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Host {host.Number} does not compile on save:{Environment.NewLine}{process.Transcript()}");
            }
        }

        foreach (var host in started)
        {
            host.Observer.WaitUntilCounting($"host {host.Number} to start counting");
        }

        var compiling = _hosts.Count(h => h.Compiles);
        if (compiling != 1)
        {
            throw new InvalidOperationException($"{compiling} of {_hosts.Count} running hosts say they compile; expected exactly one."
                + Environment.NewLine + string.Join(Environment.NewLine + Environment.NewLine, _hosts.Select(h => h.Process.Transcript())));
        }
    }

    /// <summary>Settles the last save's copy count; returns how many copies appeared since the last count with no save pending.</summary>
    private int Count()
    {
        var published = PublishedGenerations();
        var stray = 0;
        if (_pending is { } pending)
        {
            _saves.Add(new HostSave(pending.Phase, pending.Hosts, published.Count(n => n > pending.Before), pending.Stray));
            _pending = null;
        }
        else
        {
            stray = published.Count(n => n > _counted);
        }

        _counted = published.DefaultIfEmpty(_counted).Max();
        return stray;
    }

    private List<int> PublishedGenerations()
    {
        var folder = Path.Combine(_workspace.LibraryFolder, "bin", "reloaded");
        return Directory.Exists(folder)
            ? Directory.EnumerateDirectories(folder).Select(Path.GetFileName)
                .Select(name => int.TryParse(name, out var n) && n > 0 && name == n.ToString() ? n : 0).Where(n => n > 0).ToList()
            : [];
    }

    private static int? Generation(string? liveLine) =>
        liveLine is not null && GenerationNumber().Match(liveLine) is { Success: true } m ? int.Parse(m.Groups[1].Value) : null;

    /// <summary>True while the process runs; a zombie (exited, its parent gone before reaping it) counts as exited.</summary>
    private static bool IsRunning(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone
        }
    }

    // Live lines without a split, and anything else the host said after a save but counters, live lines and unloads.
    private static void NoteLines(GroupHost host, int from)
    {
        foreach (var line in host.Process.LinesFrom(from).Select(l => l.Text))
        {
            if (SaveSplit.IsLiveLine(line) && line.Contains(" live · built by dotnet build", StringComparison.Ordinal))
            {
                host.AnnouncedAsBuilt++;
            }
            else if (line.StartsWith("[hotreload] ", StringComparison.Ordinal) && SaveSplit.Parse(line) is null && !line.Contains(" unloaded (", StringComparison.Ordinal))
            {
                host.Unexpected.Add(line);
            }
        }
    }

    [GeneratedRegex(@"^\[hotreload\] generation (\d+) live")]
    private static partial Regex GenerationNumber();
}
