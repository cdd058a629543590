using System.Globalization;
using System.Text;

namespace HotReload.ProcessBench;

/// <summary>
/// Figure `stall`: how long the stall diagnosis takes to name what holds a stalled generation in a host with about
/// 100 MB of live managed objects, and what its search costs the host's frame loop. The host (StallHost/Program.cs,
/// built in a copy of the sample against the packed packages) runs the hitch host's 60 fps frames with a 1 s
/// UnloadStallTimeout. Each round, the driver publishes a precompiled copy that leaks (a thread `worker-7` looping in
/// the library's code, a lambda on AppDomain.ProcessExit), then a clean copy, which releases the leaking generation:
/// it stalls, the helper searches the host's heap, and the host reports the holders; the host then lets the thread end,
/// so the generation unloads late and the next round starts without it. One more host does the same once with the
/// dump forced (HOTRELOAD_STALL_DIAGNOSIS=dump), for the host's pause while its runtime writes the dump.
/// </summary>
internal sealed class StallFigure(Scratch scratch, PackageFeed feed, Options options)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StallTimeout = TimeSpan.FromMinutes(1);

    // Frames before the first leaking copy: the host's own pace, the baseline of its frame times.
    private static readonly TimeSpan Baseline = TimeSpan.FromSeconds(10);

    // Between rounds: the late unload of the last stalled generation, and some frames without a search.
    private static readonly TimeSpan Between = TimeSpan.FromSeconds(3);

    private const double GoalSeconds = 2.0;

    private int Rounds => options.Quick ? 1 : 5;

    /// <summary>A measured frame of the host (StallHost/Program.cs, Frame). <paramref name="Interval"/>: from its start to
    /// the next frame's (16.7 ms on pace). A pause of the host between frames (a dump's writing suspends every thread,
    /// the frame loop's sleep included) shows only here, not in the frame's own time.</summary>
    private sealed record Frame(double Start, double Duration, double GcPause, int Gen0, int Gen2, double Interval = double.NaN)
    {
        public double End => Start + Duration;
    }

    /// <summary>One UnloadStalled event, as the host printed it, and its frames.</summary>
    private sealed record Stall(string Host, int Generation, double At, double Time, double Pause, int Causes, string Method,
        List<string> Holders, string? Fallback, List<Frame> Window)
    {
        public bool Live => Method.StartsWith("attached live", StringComparison.Ordinal);

        public bool NamesThread => Holders.Any(h => h.Contains("thread 'worker-7'", StringComparison.Ordinal));

        public bool NamesProcessExit => Holders.Any(h => h.Contains("ProcessExit", StringComparison.Ordinal));
    }

    /// <summary>One host process: its start line, its baseline frames, its stalls, and the helper's reads the driver made.</summary>
    private sealed record HostRun(string Name, string Description, List<Frame> Baseline, List<Stall> Stalls, int Frames, List<DirectRead> Reads);

    /// <summary>One run of the helper by the driver, outside the runtime: a single read, whatever collections ran in it.
    /// <paramref name="Steps"/>: its standard error, each step's time since its start.</summary>
    private sealed record DirectRead(double Wall, string Done, List<string> Steps);

    public void Run()
    {
        var notes = new List<string> { $"Load average (1 / 5 / 15 min) at the start: {Machine.LoadAverage()}." };
        var workspace = new SampleWorkspace(scratch, feed);
        File.Copy(Path.Combine(Repository.Root, "bench", "HotReload.ProcessBench", "StallHost", "Program.cs"),
            Path.Combine(workspace.Root, "Host", "Program.cs"), overwrite: true);
        foreach (var shared in new[] { "Workload.cs", "FrameLog.cs" })
        {
            File.Copy(Path.Combine(Repository.Root, "bench", "HotReload.ProcessBench", "FrameHost", shared),
                Path.Combine(workspace.Root, "Host", shared), overwrite: true);
        }
        File.WriteAllText(Path.Combine(workspace.Root, "Common", "Leaks.cs"), LeaksSource);
        Console.WriteLine("stall: building the host...");
        workspace.BuildHost("-p:TreatWarningsAsErrors=true").ThrowIfFailed();

        // A pair per stall (leaking, then clean), for every round of the auto host and the one of the dump host.
        var copies = HitchCopies.FromBuild(workspace.LibraryFolder);
        var leaks = true;
        var staged = new Queue<int>(copies.Stage(2 * (Rounds + 1), g => (leaks = !leaks) ? CleanLogic(g) : LeakingLogic(g)));

        // Frames of each host, kept for a closer look (ignored by git).
        var logs = Path.Combine(Repository.Results, options.Quick ? "quick" : "", "stall-frames");
        Scratch.DeleteFolder(logs);
        Directory.CreateDirectory(logs);

        var helper = Directory.EnumerateFiles(scratch.PackagesFolder, "HotReload.Diagnosis.dll", SearchOption.AllDirectories)
            .Single(p => p.Contains(Path.Combine("tools", "net10.0", "diagnosis"), StringComparison.Ordinal));
        var runs = new List<HostRun>
        {
            RunHost(workspace, copies, staged, logs, "auto", Rounds, forceDump: false, helper),
            RunHost(workspace, copies, staged, logs, "dump", 1, forceDump: true, helper: null),
        };
        notes.Add($"Load average at the end: {Machine.LoadAverage()}.");
        Console.WriteLine($"stall: frame logs in {logs}");
        Report.Publish("stall", options, "What holds a stalled generation in a 100 MB host: the diagnosis's time and the host's frames", Describe(runs, notes));
    }

    /// <summary>A host whose stalls are searched as a user's would be (<paramref name="forceDump"/>: from a dump), with
    /// <paramref name="rounds"/> leaking copies each released by a clean one.</summary>
    private static HostRun RunHost(SampleWorkspace workspace, HitchCopies copies, Queue<int> staged, string logs, string name, int rounds, bool forceDump, string? helper)
    {
        Console.WriteLine($"stall: host '{name}', {rounds} stall(s)...");
        var log = Path.Combine(logs, $"{name}.csv");
        var stop = Path.Combine(workspace.Root, $"stop-{name}");
        var start = workspace.DotNet.StartInfo(workspace.HostAssembly, "--log", log, "--stop", stop);
        if (forceDump)
        {
            start.Environment["HOTRELOAD_STALL_DIAGNOSIS"] = "dump";
        }

        using var host = new RunningProcess(start);
        host.WaitFor(lines => lines.Any(l => l.Text.StartsWith("[stall] measuring", StringComparison.Ordinal)) ? true : (bool?)null,
            "the host to start measuring", StartTimeout);
        var description = host.LinesFrom(0).Select(l => l.Text).First(t => t.StartsWith("[stall] ", StringComparison.Ordinal) && t.Contains(" running", StringComparison.Ordinal));
        if (!description.Contains("live mode", StringComparison.Ordinal) || !description.Contains("compiler none", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The stall host is not live without a compiler:{Environment.NewLine}{host.Transcript()}");
        }

        Thread.Sleep(Baseline);
        var stalled = new List<int>();
        for (var round = 1; round <= rounds; round++)
        {
            var leaking = staged.Dequeue();
            var clean = staged.Dequeue();
            var from = host.Count;
            copies.Publish(leaking);
            WaitForLine(host, $"[stall] live {leaking} ", $"copy {leaking} (leaking) to go live", from);
            Thread.Sleep(500); // its thread is running and its lambda subscribed
            copies.Publish(clean);
            WaitForLine(host, $"[stall] stalled {leaking} ", $"generation {leaking}'s stall to be reported", from);
            stalled.Add(leaking);
            WaitForLine(host, $"[stall] unloaded {leaking} ", $"generation {leaking}'s late unload", from);
            Thread.Sleep(Between);
        }

        // The runtime reads again when a collection ran during a live read: the helper run once by the driver, on the
        // host's current generation (held by the library: not a stall, but the same heap to walk), times one read alone.
        var reads = new List<DirectRead>();
        for (var i = 0; helper is not null && i < DirectReads; i++)
        {
            reads.Add(ReadDirectly(workspace, helper, host.Id, copies.AssemblyName + "." + (stalled[^1] + 1).ToString(CultureInfo.InvariantCulture)));
            Thread.Sleep(1000);
        }

        File.WriteAllText(stop, "");
        WaitForLine(host, "[stall] done ", "the host's end", 0);
        var parsed = File.ReadLines(log).Skip(1).Select(ParseFrame).ToList();
        var frames = parsed.Select((f, i) => i + 1 < parsed.Count ? f with { Interval = parsed[i + 1].Start - f.Start } : f).ToList();
        var lines = host.LinesFrom(0).Select(l => l.Text).ToList();
        var firstLive = Value(lines.First(l => l.StartsWith($"[stall] live {stalled[0]} ", StringComparison.Ordinal)), "at");
        var stalls = stalled.Select(g => ParseStall(name, g, lines, frames)).ToList();
        return new HostRun(name, description, frames.Where(f => f.End < firstLive).ToList(), stalls, frames.Count, reads);
    }

    private const int DirectReads = 3;

    /// <summary>Runs the helper as the runtime does (`dotnet exec HotReload.Diagnosis.dll --pid ... --assembly ...`).</summary>
    private static DirectRead ReadDirectly(SampleWorkspace workspace, string helper, int pid, string assembly)
    {
        Console.WriteLine($"stall: the helper on {assembly}, run by the driver...");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var process = System.Diagnostics.Process.Start(workspace.DotNet.StartInfo("exec", helper, "--pid", pid.ToString(CultureInfo.InvariantCulture),
            "--assembly", assembly, "--most", "8"))!;
        var errors = process.StandardError.ReadToEndAsync();
        var outputs = process.StandardOutput.ReadToEndAsync();

        // The runtime stops the helper after DiagnosisHelper.MostTime (20 s): a read that lost its way loops forever.
        var stopped = !process.WaitForExit(TimeSpan.FromSeconds(20));
        if (stopped)
        {
            process.Kill(entireProcessTree: true); // the helper this started, by its own handle
        }

        process.WaitForExit();
        var wall = clock.Elapsed.TotalMilliseconds;
        var output = outputs.Result;
        var done = stopped ? "(stopped after 20 s, as the runtime would)"
            : output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? $"(no output, exit code {process.ExitCode})";
        return new DirectRead(wall, done.Replace('\t', ' '), errors.Result.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Take(12).ToList());
    }

    private static void WaitForLine(RunningProcess host, string prefix, string what, int from) =>
        host.WaitFor(lines => lines.Any(l => l.Text.StartsWith(prefix, StringComparison.Ordinal)) ? true : (bool?)null, what, StallTimeout, from);

    /// <summary>The stall of <paramref name="generation"/> and the frames of its search: from its detection (the report's
    /// frame less the diagnosis's time) to the frame that reported it.</summary>
    private static Stall ParseStall(string host, int generation, List<string> lines, List<Frame> frames)
    {
        var line = lines.First(l => l.StartsWith($"[stall] stalled {generation} ", StringComparison.Ordinal));
        var at = Value(line, "at");
        var time = Value(line, "time");
        var holders = lines.Where(l => l.StartsWith($"[stall] holder {generation} ", StringComparison.Ordinal)).Select(l => l[$"[stall] holder {generation} ".Length..]).ToList();
        var fallback = lines.FirstOrDefault(l => l.StartsWith($"[stall] fallback {generation} ", StringComparison.Ordinal))?[$"[stall] fallback {generation} ".Length..];
        var method = line[(line.IndexOf(" method=", StringComparison.Ordinal) + " method=".Length)..];
        var window = frames.Where(f => f.End >= at - time && f.Start <= at).ToList();
        return new Stall(host, generation, at, time, Value(line, "pause"), (int)Value(line, "causes"), method, holders, fallback, window);
    }

    /// <summary>The number after <c>key=</c> in one of the host's lines.</summary>
    private static double Value(string line, string key)
    {
        var start = line.IndexOf(" " + key + "=", StringComparison.Ordinal) + key.Length + 2;
        var end = line.IndexOf(' ', start);
        return double.Parse(end < 0 ? line[start..] : line[start..end], CultureInfo.InvariantCulture);
    }

    private static Frame ParseFrame(string line)
    {
        var f = line.Split(',');
        return new Frame(double.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture),
            double.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture), int.Parse(f[4], CultureInfo.InvariantCulture));
    }

    private static string Ms(double value) => double.IsNaN(value) ? "n/a" : value.ToString("F1", CultureInfo.InvariantCulture) + " ms";

    private static double Max(IEnumerable<double> values) => values.DefaultIfEmpty(double.NaN).Max();

    private static string YesNo(bool value) => value ? "yes" : "**no**";

    private string Describe(List<HostRun> runs, List<string> notes)
    {
        var text = new StringBuilder();
        var auto = runs.Single(r => r.Name == "auto");
        var dump = runs.Single(r => r.Name == "dump");
        var times = auto.Stalls.Select(s => s.Time).ToList();
        var baseline = auto.Baseline.Select(f => f.Duration).ToList();
        var worstWindow = auto.Stalls.Select(s => Max(s.Window.Select(f => f.Duration))).ToList();
        var found = auto.Stalls.All(s => s.NamesThread && s.NamesProcessExit) && times.All(t => t <= GoalSeconds * 1000);

        text.AppendLine($"The stall diagnosis in a host with about 100 MB of live managed objects ({Heap(auto)}), {auto.Stalls.Count} stalls in one host "
            + $"(`HOTRELOAD_STALL_DIAGNOSIS` unset: attached live first, from a dump if the live read crashes or finds no holder). Diagnosis time: "
            + $"`UnloadStalledEventArgs.DiagnosisTime`, from the stall's detection (1 s `UnloadStallTimeout` after the release, at the unload "
            + "tracker's next check) to the report; \"search window\": the host's frames from the detection to the frame that raised "
            + "`UnloadStalled`.");
        text.AppendLine();
        text.Append(Report.Table(["stall", "diagnosis time", "method", "host pause", "holders found", "thread 'worker-7' named", "ProcessExit lambda named",
                "frames in the search window", "longest frame in it", "longest interval between frame starts in it", "GC pause in it", "collections in it (all / gen 2)"],
            runs.SelectMany(r => r.Stalls).Select(s => new[]
            {
                $"{s.Host}, generation {s.Generation}",
                Ms(s.Time),
                s.Method + (s.Fallback is { } why ? $" ({why})" : ""),
                Ms(s.Pause),
                s.Causes.ToString(CultureInfo.InvariantCulture),
                YesNo(s.NamesThread),
                YesNo(s.NamesProcessExit),
                s.Window.Count.ToString(CultureInfo.InvariantCulture),
                Ms(Max(s.Window.Select(f => f.Duration))),
                Ms(Max(s.Window.Select(f => f.Interval))),
                Ms(s.Window.Sum(f => f.GcPause)),
                $"{s.Window.Sum(f => f.Gen0)} / {s.Window.Sum(f => f.Gen2)}",
            })));
        text.AppendLine();

        text.AppendLine("Summary, and the host's frames before any stall (its baseline, the same host) against its frames during the searches:");
        text.AppendLine();
        text.Append(Report.Table(["host", "stalls (live / from a dump / in-process)", "diagnosis time p50 / max", "host pause max",
                "baseline frames: p50 / p99 / max", "longest frame in a search window: p50 / max over stalls",
                "baseline interval between frame starts: p50 / p99 / max", "longest interval in a search window: p50 / max over stalls"],
            runs.Select(r => new[]
            {
                r.Name == "auto" ? "auto (live first)" : "dump forced (`HOTRELOAD_STALL_DIAGNOSIS=dump`)",
                $"{r.Stalls.Count} ({r.Stalls.Count(s => s.Live)} / {r.Stalls.Count(s => s.Method.StartsWith("from a dump", StringComparison.Ordinal))} / {r.Stalls.Count(s => s.Method == "in-process")})",
                $"{Ms(Stats.Median(r.Stalls.Select(s => s.Time)))} / {Ms(Max(r.Stalls.Select(s => s.Time)))}",
                Ms(Max(r.Stalls.Select(s => s.Pause))),
                $"{Ms(Stats.Median(r.Baseline.Select(f => f.Duration)))} / {Ms(Stats.Percentile(r.Baseline.Select(f => f.Duration), 99))} / {Ms(Max(r.Baseline.Select(f => f.Duration)))} ({r.Baseline.Count} frames)",
                $"{Ms(Stats.Median(r.Stalls.Select(s => Max(s.Window.Select(f => f.Duration)))))} / {Ms(Max(r.Stalls.Select(s => Max(s.Window.Select(f => f.Duration)))))}",
                $"{Ms(Stats.Median(r.Baseline.Select(f => f.Interval)))} / {Ms(Stats.Percentile(r.Baseline.Select(f => f.Interval), 99))} / {Ms(Max(r.Baseline.Select(f => f.Interval)))}",
                $"{Ms(Stats.Median(r.Stalls.Select(s => Max(s.Window.Select(f => f.Interval)))))} / {Ms(Max(r.Stalls.Select(s => Max(s.Window.Select(f => f.Interval)))))}",
            })));
        text.AppendLine();

        text.AppendLine($"The helper run {DirectReads} times by the driver on the same host after its stalls, on its current generation (held by the "
            + "library, so not a stall, but the same heap to walk): one read each, with no retry, whatever collections ran. Its steps (standard "
            + "error, time since the helper started) show where the time goes.");
        text.AppendLine();
        text.Append(Report.Table(["read", "wall time (process start to exit)", "helper's `done` line (method, pause ms, elapsed ms)", "steps"],
            auto.Reads.Select((r, i) => new[] { (i + 1).ToString(CultureInfo.InvariantCulture), Ms(r.Wall), r.Done, string.Join("; ", r.Steps) })));
        text.AppendLine();

        text.AppendLine($"Goal: holders found within {GoalSeconds:F0} s of the stall's detection for a 100 MB host heap (thread and ProcessExit lambda named "
            + $"in every stall): **{(found ? "yes" : "no")}** (max {Ms(Max(times))}). The host's frame loop keeps its pace during the search: "
            + $"longest frame in a search window {Ms(Max(worstWindow))} against the baseline's max {Ms(Max(baseline))} and p99 {Ms(Stats.Percentile(baseline, 99))}, "
            + $"longest interval between frame starts in a search window {Ms(Max(auto.Stalls.Select(s => Max(s.Window.Select(f => f.Interval)))))} "
            + $"against the baseline's max {Ms(Max(auto.Baseline.Select(f => f.Interval)))}, "
            + $"longest host pause {Ms(Max(auto.Stalls.Select(s => s.Pause)))} (zero when read live; a dump's writing otherwise); from a forced dump the host paused {Ms(Max(dump.Stalls.Select(s => s.Pause)))} "
            + $"and in the search its longest frame was {Ms(Max(dump.Stalls.Select(s => Max(s.Window.Select(f => f.Duration)))))}, its longest interval between "
            + $"frame starts {Ms(Max(dump.Stalls.Select(s => Max(s.Window.Select(f => f.Interval)))))}.");
        text.AppendLine();

        text.AppendLine("Holders as reported (the first stall of each host):");
        text.AppendLine();
        foreach (var stall in runs.Select(r => r.Stalls[0]))
        {
            foreach (var holder in stall.Holders)
            {
                text.AppendLine($"- {stall.Host}: {holder}");
            }
        }

        text.AppendLine();
        text.AppendLine("Method: the host is `StallHost/Program.cs` (of HotReload.ProcessBench) over the sample's Host/Program.cs, built in Debug in a copy of "
            + "the sample against the packed packages (live mode, `ReloadOptions.CompileOnSave = false`, `UnloadStallTimeout = 1 s`). Before it opens the "
            + "library it allocates its ballast, 1,000,000 objects of 104 bytes (ten longs and a reference) in a `List` it holds to the end, and "
            + "collects. Each frame: `Update()` (where `UnloadStalled` is raised), the bound `UpdateAndRender`, a 2 ms workload calibrated in the host "
            + "(the hitch figure's), then a sleep to the next 16.7 ms frame start. Measured from 5 s after the library opened; the baseline is the "
            + $"{Baseline.TotalSeconds:F0} s of frames before the first leaking copy went live. Each stall: the driver renames a precompiled copy that, "
            + "in its first call, subscribes a lambda to `AppDomain.CurrentDomain.ProcessExit` and starts a background thread `worker-7` that "
            + "sleeps 20 ms in a loop in the library's code; 0.5 s after it went live, a clean copy. When `UnloadStalled` arrives the host lets "
            + "the thread end (it unsubscribes the lambda on its way out), the generation unloads late, and the next round starts "
            + $"{Between.TotalSeconds:F0} s after that. The dump host is a fresh host with `HOTRELOAD_STALL_DIAGNOSIS=dump` and one stall. "
            + "Each host's frames are kept in `bench/results/stall-frames/` (ignored by git).");
        text.AppendLine();
        foreach (var run in runs)
        {
            notes.Add($"Host '{run.Name}': `{run.Description}`; {run.Frames} frames measured.");
        }

        foreach (var note in notes)
        {
            text.AppendLine("- " + note);
        }

        return text.ToString();
    }

    private static string Heap(HostRun run)
    {
        var at = run.Description.IndexOf("heap ", StringComparison.Ordinal);
        return at < 0 ? "heap size not reported" : "heap " + run.Description[(at + 5)..].Split(';')[0] + " after its allocation and a full collection";
    }

    /// <summary>A class of the host's Common assembly that the leaking copy's thread watches: it ends once the host has
    /// seen its generation's stall reported.</summary>
    private const string LeaksSource = """
        namespace Common;

        /// <summary>Set by the host (the stall figure) once a generation's stall was reported: that generation's leaked thread ends.</summary>
        public static class Leaks
        {
            public static volatile int Released;
        }
        """;

    /// <summary>Logic.cs of a copy that leaks its generation in its first call: a lambda on ProcessExit, a named
    /// thread running the library's code until the host has seen the stall.</summary>
    private static string LeakingLogic(int generation) => $$"""
        using Common;

        namespace StateManipulation;

        public static class Logic
        {
            static bool leaked;
            static int ticks;

            public static State NewState() => new();

            public static void UpdateAndRender(Platform platform, State state)
            {
                if (!leaked)
                {
                    leaked = true;
                    Leak();
                }

                platform.Print(state.Counter.ToString());
                state.Counter += {{generation}};
            }

            static void Leak()
            {
                EventHandler onExit = (_, _) => ticks++;
                AppDomain.CurrentDomain.ProcessExit += onExit;
                new Thread(() => Work(onExit)) { Name = "worker-7", IsBackground = true }.Start();
            }

            // Runs until the host has seen this generation's stall, then lets go of the lambda.
            static void Work(EventHandler onExit)
            {
                while (Leaks.Released < {{generation}})
                {
                    Thread.Sleep(20);
                }

                AppDomain.CurrentDomain.ProcessExit -= onExit;
            }
        }
        """;

    private static string CleanLogic(int generation) => $$"""
        using Common;

        namespace StateManipulation;

        public static class Logic
        {
            public static State NewState() => new();

            public static void UpdateAndRender(Platform platform, State state)
            {
                platform.Print(state.Counter.ToString());
                state.Counter += {{generation}};
            }
        }
        """;
}
