using System.Text;

namespace HotReload.ProcessBench;

/// <summary>
/// Figure `hosts`: several programs on one library. Edit to effect with one host and with three (one compiles, two
/// stand by and go live on its copies), in every host, and the copies each save made (one, whatever the number of
/// hosts). Then the compiling host is killed: how long until another host's compiler takes over, and the next save
/// in the hosts that remain. One workspace, one build; the hosts run `dotnet Host.dll` with 50 ms frames.
/// </summary>
internal sealed class HostsFigure(Scratch scratch, PackageFeed feed, Options options)
{
    /// <summary>The issue's goals: with three hosts, p50 within 20 ms of one host's; another host takes over within a second.</summary>
    public const double SlowdownGoal = 20, TakeoverGoal = 1000;

    private const string OneHost = "1 host", ThreeHosts = "3 hosts";

    private static string AfterTakeover(int round) => $"after takeover {round}";

    // Kill, take over, one save, and a new host to make three again: a few seconds each. --quick makes one.
    private int Takeovers => options.Quick ? 1 : 5;

    public void Run()
    {
        var notes = new List<string> { $"Load average (1 / 5 / 15 min) at the start: {Machine.LoadAverage()}." };
        var runs = options.Runs(20);
        var takeovers = new List<Takeover>();
        List<HostSave> saves;
        using (var group = new HostGroup(scratch, feed))
        {
            var session = new EditSession(group, notes);
            group.Phase = OneHost + ", warm-up";
            session.Start();
            group.Phase = OneHost;
            session.Edits(EditKind.Constant, runs, OneHost);

            // Three hosts started at once, as a user would start them; the one host ends first (with its compiler).
            group.Restart(3);
            notes.Add($"Three hosts started at once: host {group.Running.Single(h => h.Compiles).Number} compiles, "
                + $"hosts {string.Join(" and ", group.Running.Where(h => !h.Compiles).Select(h => h.Number))} stand by.");
            group.Phase = ThreeHosts + ", warm-up";
            session.Edits(EditKind.Constant, 1, ThreeHosts + ", warm-up (not counted)");
            group.Phase = ThreeHosts;
            session.Edits(EditKind.Constant, runs, ThreeHosts);

            for (var round = 1; round <= Takeovers; round++)
            {
                var takeover = group.KillCompiling();
                takeovers.Add(takeover);
                Console.WriteLine($"Takeover {round}/{Takeovers}: host {takeover.Killed} killed; its compiler exited after {takeover.KillToCompilerExit:F0} ms; "
                    + $"host {takeover.TookOver} said `{takeover.Line}` after {takeover.KillToTakeover:F0} ms");
                group.Phase = AfterTakeover(round);
                session.Edits(EditKind.Constant, 1, $"{AfterTakeover(round)}, {group.Running.Count} hosts");
                if (round < Takeovers)
                {
                    group.AddHost(); // three again for the next round
                }
            }

            group.Finish();
            saves = group.Saves.ToList();
            if (group.Summary() is { } summary)
            {
                notes.Add(summary);
            }
        }

        notes.Add($"Load average at the end: {Machine.LoadAverage()}.");
        Report.Publish("hosts", options, "Several hosts on one library: edit to effect in every host, copies per save, takeover",
            Describe(saves, takeovers, notes));
    }

    private static string Describe(List<HostSave> saves, List<Takeover> takeovers, List<string> notes)
    {
        var one = saves.Where(s => s.Phase == OneHost).ToList();
        var three = saves.Where(s => s.Phase == ThreeHosts).ToList();
        var oneP50 = Stats.Median(one.Select(s => s.Slowest.Result.SaveToNewFrame));
        var threeP50 = Stats.Median(three.Select(s => s.Slowest.Result.SaveToNewFrame));
        var text = new StringBuilder();

        text.AppendLine("## Edit to effect, in every host").AppendLine();
        var rows = new List<string[]>();
        rows.AddRange(PerHost(OneHost, one, baseline: null));
        rows.AddRange(PerHost(ThreeHosts, three, oneP50));
        rows.Add(Row(ThreeHosts, "**the slowest host of each save**", three.Select(s => s.Slowest).ToList(),
            Goal(threeP50 - oneP50),
            three.Select(s => s.Hosts.Select(h => h.WithoutFrameWait).DefaultIfEmpty(double.NaN).Max())));
        text.AppendLine(Report.Table(
            ["hosts", "host", "saves", "save → first new frame p50", "p90", $"goal: p50 ≤ one host's + {SlowdownGoal:F0} ms",
             "host's split p50: debounce / compile / load / frame wait", "less the frame wait p50", "p90", "counter kept"], rows));

        text.AppendLine("## Copies per save").AppendLine();
        var phases = saves.Select(s => s.Phase).Distinct().ToList();
        text.AppendLine(Report.Table(
            ["saves", "hosts running", "saves", "copies made", "saves that made exactly 1 copy (goal: all)", "saves every host went live on the same copy",
             "copies made with no save (a host starting, a compiler taking over)"],
            phases.Select(p => saves.Where(s => s.Phase == p).ToList()).Select(list => new[]
            {
                list[0].Phase,
                string.Join(", ", list.Select(s => s.Hosts.Count).Distinct()),
                list.Count.ToString(),
                list.Sum(s => s.Copies).ToString(),
                $"{list.Count(s => s.Copies == 1)}/{list.Count}",
                $"{list.Count(s => s.SameCopy)}/{list.Count}",
                list.Sum(s => s.StrayCopies).ToString(),
            })));

        text.AppendLine("## Takeover: the compiling host killed").AppendLine();
        var maxTakeover = takeovers.Select(t => t.KillToTakeover).DefaultIfEmpty(double.NaN).Max();
        text.AppendLine(Report.Table(
            ["round", "killed (SIGKILL, the host alone)", "kill → its compiler exited", "kill → `compiling … on save` in another host",
             $"goal ≤ {TakeoverGoal:F0} ms", "took over", "next save → first new frame, per remaining host", "slowest",
             "next save: the new compiler's compile (host's split)", "copies made"],
            takeovers.Select((t, i) =>
            {
                var next = saves.FirstOrDefault(s => s.Phase == AfterTakeover(i + 1));
                return new[]
                {
                    (i + 1).ToString(),
                    $"host {t.Killed}",
                    $"{t.KillToCompilerExit:F0} ms",
                    $"{t.KillToTakeover:F0} ms",
                    Met(t.KillToTakeover <= TakeoverGoal),
                    $"host {t.TookOver}",
                    next is null ? "n/a" : string.Join(", ", next.Hosts.Select(h => $"host {h.Host}{(h.Compiling ? " (compiles)" : "")}: {h.Result.SaveToNewFrame:F0} ms")),
                    next is null ? "n/a" : $"{next.Slowest.Result.SaveToNewFrame:F0} ms",
                    next?.Hosts.FirstOrDefault(h => h.Compiling) is { } taker && SaveSplit.Parse(taker.Result.ToolMessage) is { } split
                        ? $"{Stats.Ms(split.Compile)} ms"
                        : "n/a",
                    next is null ? "n/a" : $"{next.Copies}" + (next.StrayCopies > 0 ? $" (+{next.StrayCopies} before it, with no save)" : ""),
                };
            })));
        if (takeovers.Count > 0)
        {
            text.AppendLine($"Kill → takeover line: p50 {Stats.Ms(Stats.Median(takeovers.Select(t => t.KillToTakeover)))} ms, "
                + $"max {Stats.Ms(maxTakeover)} ms over {takeovers.Count} rounds: {Met(maxTakeover <= TakeoverGoal)} (goal: every round ≤ {TakeoverGoal:F0} ms).");
            text.AppendLine();
        }

        text.AppendLine("Each host is the sample (`dotnet Host.dll`, 50 ms frames: it prints the counter, then steps it), all on one "
            + "workspace and one build of the library; each save is a new constant in `Logic.cs` (edit (a) of the edit figure), made "
            + "at a point of the frame 500 to 550 ms after every host showed the last one (the runs spread evenly over the frame). \"First new frame\", in each host, is "
            + "the line printed by the first frame of that host that ran the new code, as in the edit figure; the slowest host of a "
            + "save is the one whose first new frame came last. The hosts' frames are not in step with each other, so each host waits "
            + "its own 0 to 50 ms for its next frame: the slowest of three waits is longer than one host's wait (for uniform waits, its "
            + "median is 40 ms against 25 ms) with no slower reload at all. \"Less the frame wait\" takes the host's own `wait` out "
            + "of each time (the slowest host by that measure, for the slowest row), which leaves the part the hosts share: file "
            + "event, debounce, compile, the standby's relay of the copy, load. Copies are counted in `bin/reloaded/` (numbered "
            + "folders) just before the next thing the driver does, at least 500 ms after the save showed in every host. The "
            + "takeover is timed from the kill to the moment the driver read the other host's `compiling … on save` line, which the "
            + "host prints at the start of a frame (so it includes up to 50 ms of frame wait); \"its compiler exited\" is when the "
            + "driver, polling every few milliseconds, saw the killed host's warm compiler leave /proc (it ends when its host's pipe "
            + "closes; the compiler lock is released as it ends, which can be a little before the driver sees it gone). After each "
            + "round but the last a new host is started, to run three again; it stands by.");
        text.AppendLine();
        foreach (var note in notes)
        {
            text.AppendLine("- " + note);
        }

        return text.ToString();
    }

    /// <summary>One row per host of the phase: the compiling host first, then the ones standing by.</summary>
    /// <param name="baseline">One host's p50, which each host's p50 is held to (plus the goal); null for the one host.</param>
    private static IEnumerable<string[]> PerHost(string phase, List<HostSave> saves, double? baseline) =>
        saves.SelectMany(s => s.Hosts).GroupBy(h => h.Host).OrderBy(g => g.All(h => h.Compiling) ? 0 : 1).ThenBy(g => g.Key)
            .Select(g => Row(phase, $"host {g.Key}, " + (g.All(h => h.Compiling) ? "compiles" : g.Any(h => h.Compiling) ? "compiles for some saves" : "stands by"),
                g.ToList(), baseline is { } b ? Goal(Stats.Median(g.Select(h => h.Result.SaveToNewFrame)) - b) : "(the baseline)",
                g.Select(h => h.WithoutFrameWait)));

    private static string Goal(double slowdown) => Met(slowdown <= SlowdownGoal) + $" ({Signed(slowdown)} ms)";

    private static string[] Row(string phase, string host, List<HostEffect> effects, string goal, IEnumerable<double> withoutWait)
    {
        var results = effects.Select(e => e.Result).ToList();
        var bare = withoutWait.Where(v => !double.IsNaN(v)).ToList();
        return
        [
            phase,
            host,
            results.Count.ToString(),
            EditReport.Ms(results.Select(r => r.SaveToNewFrame)),
            EditReport.Ms(results.Select(r => r.SaveToNewFrame), 90),
            goal,
            EditReport.Split(results),
            EditReport.Ms(bare),
            EditReport.Ms(bare, 90),
            $"{results.Count(r => r.KeptCounter && !r.Restarted)}/{results.Count}",
        ];
    }

    private static string Met(bool met) => EditReport.Met(met);

    private static string Signed(double value) => (value >= 0 ? "+" : "") + Stats.Ms(value);
}
