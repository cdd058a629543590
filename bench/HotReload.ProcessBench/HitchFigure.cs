using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HotReload.ProcessBench;

/// <summary>
/// Figure `hitch`: the worst frame-time hitch that a swap and the unload of the generation it released cause in a
/// host's frame thread. The host (HitchHost/Program.cs, built in a copy of the sample against the packed packages) runs
/// 60 fps frames of a fixed 2 ms workload and records each frame's time from its start to the end of its work. In each
/// round it runs twice for the same time: once while the driver publishes 100 precompiled copies, one every 150-250 ms,
/// and once with none (the baseline); the hitch is the swap run's p99 and max frame time less the baseline's.
/// </summary>
internal sealed class HitchFigure(Scratch scratch, PackageFeed feed, Options options)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan EndTimeout = TimeSpan.FromMinutes(1);

    // After the last swap, still measured: its old generation's unload (the tracker's first check is 20 ms after the
    // release, then it backs off) lands inside the measurement.
    private static readonly TimeSpan Tail = TimeSpan.FromSeconds(2);

    private const double GoalMs = 2.0;
    private const int MinInterval = 150;
    private const int MaxInterval = 250;

    private int Swaps => options.Quick ? 5 : 100;

    private int Rounds => options.Quick ? 1 : 3;

    /// <summary>One measured frame of the host (see HitchHost/Program.cs, Frame; FrameHost/FrameLog.cs).</summary>
    private sealed record Frame(double Start, double Duration, double Update, double Call, bool Swapped,
        int Gen0, int Gen1, int Gen2, double GcPause, double GcPauseTotal, int Unloaded, int Preempted, double Cpu, int Gen2Total)
    {
        /// <summary>The frame time with preemption removed: the CPU time the frame's thread used, plus the GC pause that
        /// suspended it in the frame. What another process took is left out; the GC's pause, and any work of the
        /// reloader on the frame's thread, stay in.</summary>
        public double Busy => Math.Min(Duration, Cpu + GcPause);
    }

    /// <summary>One host run: its frames, and the counts on its `[hitch] done` line.</summary>
    private sealed record HostRun(int Round, bool WithSwaps, int Published, List<Frame> Frames, Dictionary<string, string> Done, TimeSpan Measured)
    {
        public string Kind => WithSwaps ? $"{Published} swaps" : "no swaps (baseline)";

        public IEnumerable<double> Durations => Frames.Select(f => f.Duration);

        /// <summary>The GC pause of each frame period in which a full collection ran, in a frame or between frames: the
        /// hitch such a period's collections cause when they land in a frame's work.</summary>
        public List<double> FullGcPeriodPauses => Frames.Zip(Frames.Skip(1)).Where(p => p.Second.Gen2Total > p.First.Gen2Total)
            .Select(p => p.Second.GcPauseTotal - p.First.GcPauseTotal).ToList();

        public int Count(string key) => Done.TryGetValue(key, out var text) && int.TryParse(text, CultureInfo.InvariantCulture, out var n) ? n : -1;
    }

    public void Run()
    {
        var notes = new List<string> { $"Load average (1 / 5 / 15 min) at the start: {Machine.LoadAverage()}." };
        var workspace = new SampleWorkspace(scratch, feed);
        File.Copy(Path.Combine(Repository.Root, "bench", "HotReload.ProcessBench", "HitchHost", "Program.cs"),
            Path.Combine(workspace.Root, "Host", "Program.cs"), overwrite: true);
        foreach (var shared in new[] { "Workload.cs", "FrameLog.cs" })
        {
            File.Copy(Path.Combine(Repository.Root, "bench", "HotReload.ProcessBench", "FrameHost", shared),
                Path.Combine(workspace.Root, "Host", shared), overwrite: true);
        }
        Console.WriteLine("hitch: building the host...");
        workspace.BuildHost("-p:TreatWarningsAsErrors=true").ThrowIfFailed();

        var copies = HitchCopies.FromBuild(workspace.LibraryFolder);
        var compile = Stopwatch.StartNew();
        var staged = new Queue<int>(copies.Stage(Swaps * Rounds));
        notes.Add($"{staged.Count} copies compiled before the first host started ({compile.Elapsed.TotalSeconds:F1} s, in the driver), "
            + $"from the library's recorded command line; the build's own copy is 1, the host starts on it or on the newest published.");

        var work = Calibrate(workspace);
        notes.Add($"Workload: {work:N0} iterations a frame, calibrated in a separate host process to take {GoalMs:F0} ms (median).");

        // Each run's frames, one CSV per host run (HitchHost/Program.cs, Frame), kept for a closer look (ignored by git).
        var logs = Path.Combine(Repository.Results, options.Quick ? "quick" : "", "hitch-frames");
        Scratch.DeleteFolder(logs);
        Directory.CreateDirectory(logs);

        var random = new Random(7);
        var runs = new List<HostRun>();
        for (var round = 1; round <= Rounds; round++)
        {
            var intervals = Enumerable.Range(0, Swaps).Select(_ => TimeSpan.FromMilliseconds(random.Next(MinInterval, MaxInterval + 1))).ToList();
            runs.Add(RunHost(workspace, copies, work, logs, round, intervals, generations: null));
            runs.Add(RunHost(workspace, copies, work, logs, round, intervals, Enumerable.Range(0, Swaps).Select(_ => staged.Dequeue()).ToList()));
        }

        notes.Add($"Load average at the end: {Machine.LoadAverage()}.");
        Console.WriteLine($"hitch: frame logs in {logs}");
        Report.Publish("hitch", options, "Frame-time hitch of a swap and its unload", Describe(runs, work, notes));
    }

    private static int Calibrate(SampleWorkspace workspace)
    {
        Console.WriteLine("hitch: calibrating the workload...");
        using var host = new RunningProcess(workspace.DotNet.StartInfo(workspace.HostAssembly, "--calibrate"));
        var line = host.WaitFor(lines => lines.Cast<OutputLine?>().FirstOrDefault(l => l!.Value.Text.StartsWith("[hitch] calibrated ", StringComparison.Ordinal)),
            "the host's calibration", StartTimeout);
        return int.Parse(line.Text.Split(' ')[2], CultureInfo.InvariantCulture);
    }

    /// <summary>One host process: measured from its `[hitch] measuring` line for the sum of <paramref name="intervals"/>
    /// and <see cref="Tail"/>, publishing <paramref name="generations"/> one after each interval (none: the baseline).</summary>
    private static HostRun RunHost(SampleWorkspace workspace, HitchCopies copies, int work, string logs, int round, List<TimeSpan> intervals, List<int>? generations)
    {
        var kind = generations is null ? "baseline" : "swaps";
        Console.WriteLine($"hitch: round {round}, {kind}...");
        var log = Path.Combine(logs, $"round{round}-{kind}.csv");
        var stop = Path.Combine(workspace.Root, $"stop-{round}-{kind}");
        using var host = new RunningProcess(workspace.DotNet.StartInfo(workspace.HostAssembly,
            "--work", work.ToString(CultureInfo.InvariantCulture), "--log", log, "--stop", stop));
        host.WaitFor(lines => lines.Any(l => l.Text.StartsWith("[hitch] measuring", StringComparison.Ordinal)) ? true : (bool?)null,
            "the host to start measuring", StartTimeout);
        var mode = host.LinesFrom(0).Select(l => l.Text).FirstOrDefault(t => t.StartsWith("[hitch] ", StringComparison.Ordinal) && t.Contains(" running", StringComparison.Ordinal)) ?? "";
        if (!mode.Contains("live mode", StringComparison.Ordinal) || !mode.Contains("compiler none", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The hitch host is not live without a compiler:{Environment.NewLine}{host.Transcript()}");
        }

        var clock = Stopwatch.StartNew();
        var due = TimeSpan.Zero;
        for (var i = 0; i < intervals.Count; i++)
        {
            due += intervals[i];
            SleepUntil(clock, due);
            if (generations is not null)
            {
                copies.Publish(generations[i]);
            }
        }

        SleepUntil(clock, due + Tail);
        File.WriteAllText(stop, "");
        var measured = clock.Elapsed;
        var done = host.WaitFor(lines => lines.Cast<OutputLine?>().FirstOrDefault(l => l!.Value.Text.StartsWith("[hitch] done ", StringComparison.Ordinal)),
            "the host's end", EndTimeout);
        var counts = done.Text["[hitch] done ".Length..].Split(' ').Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);
        var deadline = Stopwatch.StartNew();
        while (!host.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(20); // the log is written before the done line; the exit follows it
        }

        var frames = File.ReadLines(log).Skip(1).Select(ParseFrame).ToList();
        return new HostRun(round, generations is not null, generations?.Count ?? 0, frames, counts, measured);
    }

    private static void SleepUntil(Stopwatch clock, TimeSpan due)
    {
        var wait = due - clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }
    }

    private static Frame ParseFrame(string line)
    {
        var f = line.Split(',');
        double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
        int I(int i) => int.Parse(f[i], CultureInfo.InvariantCulture);
        return new Frame(D(0), D(1), D(2), D(3), I(4) == 1, I(5), I(6), I(7), D(8), D(9), I(10), I(11), D(12), I(13));
    }

    private static string Ms(double value) => double.IsNaN(value) ? "n/a" : value.ToString("F2", CultureInfo.InvariantCulture) + " ms";

    private static string Signed(double value) => (value >= 0 ? "+" : "") + Ms(value);

    private static double Max(IEnumerable<double> values) => values.DefaultIfEmpty(double.NaN).Max();

    /// <summary>p99 and max frame time with swaps, less the same without.</summary>
    private static (double P99, double Max) Hitch(List<Frame> baseline, List<Frame> swaps, Func<Frame, double> time) =>
        (Stats.Percentile(swaps.Select(time), 99) - Stats.Percentile(baseline.Select(time), 99), Max(swaps.Select(time)) - Max(baseline.Select(time)));

    private static string Under(double p99, double max) => p99 < GoalMs && max < GoalMs ? "yes" : "**no**";

    private static void LongestFrames(StringBuilder text, string title, List<HostRun> runs, bool busy)
    {
        text.AppendLine(title);
        text.AppendLine();
        text.Append(Report.Table(["round", "frame time", "preemption removed", "at (s into the run)", "preempted", "swap in it", "`Update()` / call", "collections in it (gen 0 / 1 / 2)", "GC pause in it", "unloads reported in it"],
            runs.Where(r => r.WithSwaps).SelectMany(r => r.Frames.Select(f => (r.Round, Frame: f)))
                .OrderByDescending(x => busy ? x.Frame.Busy : x.Frame.Duration).Take(8)
                .Select(x => new[]
                {
                    x.Round.ToString(CultureInfo.InvariantCulture),
                    Ms(x.Frame.Duration),
                    Ms(x.Frame.Busy),
                    (x.Frame.Start / 1000).ToString("F2", CultureInfo.InvariantCulture),
                    x.Frame.Preempted > 0 ? $"{x.Frame.Preempted}x" : "no",
                    x.Frame.Swapped ? "yes" : "no",
                    $"{Ms(x.Frame.Update)} / {Ms(x.Frame.Call)}",
                    $"{x.Frame.Gen0} / {x.Frame.Gen1} / {x.Frame.Gen2}",
                    Ms(x.Frame.GcPause),
                    x.Frame.Unloaded.ToString(CultureInfo.InvariantCulture),
                })));
        text.AppendLine();
    }

    private string Describe(List<HostRun> runs, int work, List<string> notes)
    {
        var text = new StringBuilder();
        text.AppendLine("Frame time, from the frame's start to the end of its work (`Update()`, the bound call, the 2 ms workload). "
            + "A frame with a swap is one whose `Update()` switched to a new copy; a frame with a full GC is one during which a "
            + "generation-2 collection ran (the unload tracker's `GC.Collect()`, or the host's own: the baseline shows how often that happens).");
        text.AppendLine();
        text.Append(Report.Table(
            ["round", "run", "frames (preempted)", "p50", "p99", "max", "p50 / p99 / max, preemption removed", "frames with a swap: max (their longest `Update()` / first call)",
                "frames with a full GC: count, max", "longest GC pause in a frame", "GC pause of a frame period with a full GC: p50 / p99 / max (periods)", "full GCs", "went live / unloaded"],
            runs.Select(r =>
            {
                var swapFrames = r.Frames.Where(f => f.Swapped).ToList();
                var fullGc = r.Frames.Where(f => f.Gen2 > 0).ToList();
                return new[]
                {
                    r.Round.ToString(CultureInfo.InvariantCulture),
                    r.Kind,
                    $"{r.Frames.Count} ({r.Frames.Count(f => f.Preempted > 0)})",
                    Ms(Stats.Median(r.Durations)),
                    Ms(Stats.Percentile(r.Durations, 99)),
                    Ms(Max(r.Durations)),
                    $"{Ms(Stats.Median(r.Frames.Select(f => f.Busy)))} / {Ms(Stats.Percentile(r.Frames.Select(f => f.Busy), 99))} / {Ms(Max(r.Frames.Select(f => f.Busy)))}",
                    r.WithSwaps ? $"{Ms(Max(swapFrames.Select(f => f.Duration)))} ({Ms(Max(swapFrames.Select(f => f.Update)))} / {Ms(Max(swapFrames.Select(f => f.Call)))})" : "—",
                    $"{fullGc.Count}, {Ms(Max(fullGc.Select(f => f.Duration)))}",
                    Ms(Max(r.Frames.Select(f => f.GcPause))),
                    r.FullGcPeriodPauses is { Count: > 0 } pauses
                        ? $"{Ms(Stats.Median(pauses))} / {Ms(Stats.Percentile(pauses, 99))} / {Ms(Max(pauses))} ({pauses.Count})"
                        : "—",
                    r.Done.GetValueOrDefault("gen2-collections", "?"),
                    r.WithSwaps ? $"{r.Count("changed")} / {r.Count("unloaded")}" : "—",
                };
            })));
        text.AppendLine();

        // The hitch: each round's swap run against its baseline, and all rounds pooled.
        var rows = new List<string[]>();
        var pairs = runs.GroupBy(r => r.Round)
            .Select(g => (Label: g.Key.ToString(CultureInfo.InvariantCulture), Base: g.Single(r => !r.WithSwaps).Frames, Swap: g.Single(r => r.WithSwaps).Frames))
            .ToList();
        if (pairs.Count > 1)
        {
            pairs.Add(("all rounds pooled", runs.Where(r => !r.WithSwaps).SelectMany(r => r.Frames).ToList(), runs.Where(r => r.WithSwaps).SelectMany(r => r.Frames).ToList()));
        }

        foreach (var (label, baseline, swaps) in pairs)
        {
            var (p99, max) = Hitch(baseline, swaps, f => f.Duration);
            var (busyP99, busyMax) = Hitch(baseline, swaps, f => f.Busy);
            var typical = Stats.Median(baseline.Select(f => f.Duration));
            var typicalBusy = Stats.Median(baseline.Select(f => f.Busy));
            rows.Add(
            [
                label, Signed(p99), Signed(max), Signed(Max(swaps.Where(f => f.Swapped).Select(f => f.Duration)) - typical), Under(p99, max),
                Signed(busyP99), Signed(busyMax),
                Signed(Max(swaps.Where(f => f.Swapped).Select(f => f.Busy)) - typicalBusy),
                Signed(Max(swaps.Where(f => f.Gen2 > 0).Select(f => f.Busy)) - typicalBusy),
                Under(busyP99, busyMax),
            ]);
        }

        text.AppendLine($"The hitch: the run with swaps less the baseline (of the same round, or of all rounds pooled). Goal: under {GoalMs:F0} ms, "
            + "p99 and max. On a shared machine the scheduler preempts frames (another process takes the core) for far longer than "
            + "any GC, in either run: the columns \"preemption removed\" count each frame as the CPU time its thread used in it "
            + "(clock_gettime(CLOCK_THREAD_CPUTIME_ID)) plus the GC pause in it (`GC.GetTotalPauseDuration()`), so what other processes "
            + "took is left out, and the GC's pause and any work of the reloader on the frame's thread stay in. \"Longest frame with a "
            + "swap\" and \"with a full GC\" attribute the hitch: the longest such frame less the baseline's p50 (what it added to a "
            + "typical frame).");
        text.AppendLine();
        text.Append(Report.Table(
            ["round", "p99 hitch", "max hitch", "longest frame with a swap − baseline p50", "under 2 ms",
                "p99 hitch, preemption removed", "max hitch, preemption removed", "longest frame with a swap − baseline p50, preemption removed",
                "longest frame with a full GC − baseline p50, preemption removed", "under 2 ms, preemption removed"],
            rows));
        text.AppendLine();

        LongestFrames(text, "The longest frames of the runs with swaps:", runs, busy: false);
        LongestFrames(text, "The longest frames of the runs with swaps, preemption removed:", runs, busy: true);

        text.AppendLine($"Method: the host is `HitchHost/Program.cs` (of HotReload.ProcessBench) over the sample's Host/Program.cs, built in Debug "
            + "in a copy of the sample against the packed packages (live mode, `ReloadOptions.CompileOnSave = false`: no warm compiler runs). "
            + $"Each frame: `Update()`, the bound `UpdateAndRender`, then {work:N0} steps of arithmetic with a small array allocated every 1024 "
            + "(about 90 KB a frame); then it sleeps to the next 16.7 ms frame start. Measured from 10 s after the host starts "
            + "(warm-up: tiered compilation, and the host's own first full collection, about 7 s in). "
            + $"In each round the baseline runs first, then the run with swaps, for the same time: {Swaps} intervals of {MinInterval}-{MaxInterval} ms "
            + $"(the same random intervals in both) and {Tail.TotalSeconds:F0} s after the last. In the run with swaps, the driver renames one "
            + "precompiled copy into the folder of copies after each interval (`N/StateManipulation.N.dll`, from a staging folder beside it) "
            + "and deletes the copy that falls out of the newest 10, as the SDK does. At the end the host keeps running frames, unmeasured, until "
            + "every released generation has unloaded.");
        text.AppendLine();

        foreach (var run in runs.Where(r => r.WithSwaps))
        {
            var complete = run.Count("changed") == run.Published && run.Count("unloaded") == run.Published
                && run.Count("pending") == 0 && run.Count("failed") == 0 && run.Count("stalled") == 0 && run.Count("never-live") == 0;
            notes.Add($"Round {run.Round}: {run.Count("changed")} of {run.Published} copies went live (`GenerationChanged`), "
                + $"{run.Count("unloaded")} released generations unloaded (`GenerationUnloaded`), {run.Count("pending")} still pending at the end, "
                + $"{run.Count("never-live")} copies unloaded without going live, {run.Count("stalled")} stalled, {run.Count("failed")} failed; "
                + $"last generation {run.Done.GetValueOrDefault("generation", "?")}."
                + (complete ? "" : " **Not every swap went live and unloaded.**"));
        }

        foreach (var run in runs)
        {
            notes.Add($"Round {run.Round}, {run.Kind}: measured {run.Measured.TotalSeconds:F1} s, {run.Frames.Count} frames "
                + $"(expected about {run.Measured.TotalSeconds * 60:F0}); host's total GC pause {run.Done.GetValueOrDefault("gc-pause-ms", "?")} ms.");
        }

        foreach (var note in notes)
        {
            text.AppendLine("- " + note);
        }

        return text.ToString();
    }
}
