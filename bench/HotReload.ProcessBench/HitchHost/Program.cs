// The host of the `hitch` figure (HotReload.ProcessBench): shaped like sample/Host/Program.cs, but each frame does a
// fixed amount of busy work (about 2 ms, with a little allocation, like a game's update) and then waits for the next
// 16.7 ms frame period. It records each frame's time from its start to the end of its work (Update, the bound call,
// the workload), so a GC pause or swap work that lands in a frame shows up in it. The driver copies this file over
// Host/Program.cs in its copy of the sample; it is not compiled as part of the driver.
//
// Usage: Host --calibrate
//          prints `[hitch] calibrated N iterations for 2 ms` (N: the workload size for the runs)
//        Host --work N --log FILE --stop FILE
//          runs frames; after a warm-up prints `[hitch] measuring`, records frames until FILE (--stop) exists, then
//          waits (frames go on, unrecorded) until every released generation has unloaded, writes the frames to the
//          log and prints `[hitch] done ...` with the reload events it counted.
using System.Diagnostics;
using System.Globalization;
using Common;
using HotReload.Runtime;
using StateManipulation;

const double FramePeriodMs = 1000.0 / 60;
const double WorkMs = 2.0;
// Long enough for tiered compilation to settle and for the host's own first full collection (its allocation makes one
// about 7 s after the start, once; a run without swaps measured from 3 s had it in every run, a 2-7 ms pause).
var warmUp = TimeSpan.FromSeconds(10);
var unloadTimeout = TimeSpan.FromSeconds(30);

if (args is ["--calibrate"])
{
    Console.WriteLine($"[hitch] calibrated {Workload.Calibrate(WorkMs)} iterations for {WorkMs:F0} ms");
    return 0;
}

if (args is not ["--work", var workText, "--log", var logPath, "--stop", var stopPath]
    || !int.TryParse(workText, NumberStyles.None, CultureInfo.InvariantCulture, out var work))
{
    Console.Error.WriteLine("Usage: Host --calibrate | Host --work N --log FILE --stop FILE");
    return 2;
}

// No warm compiler: the copies are compiled by the driver before the run, so nothing compiles in or beside the host.
using var library = ReloadableLibrary.Open(typeof(Logic).Assembly, new ReloadOptions { CompileOnSave = false });
int changed = 0, unloaded = 0, neverLive = 0, stalled = 0, failed = 0;
library.GenerationChanged += (_, _) => changed++;
library.GenerationUnloaded += (_, e) =>
{
    if (e.WentLive)
    {
        unloaded++;
    }
    else
    {
        neverLive++;
    }
};
library.UnloadStalled += (_, _) => stalled++;
library.ReloadFailed += (_, e) =>
{
    failed++;
    Console.WriteLine($"[hitch] reload failed: {e.Message}");
};

string? printed = null;
var platform = new Platform(text => printed = text); // no console output in a frame: only the reload's own cost shows
var newState = library.Bind<State>(Logic.NewState);
var updateAndRender = library.Bind<Platform, State>(Logic.UpdateAndRender);
Console.WriteLine($"[hitch] {library.Description}; generation {library.Generation} running; compiler {library.CompilerProcessId?.ToString(CultureInfo.InvariantCulture) ?? "none"}");

var state = newState.Invoke();
var frames = new FrameLog<Frame>(60 * 60 * 10, Frame.Header); // ten minutes of frames
var clock = Stopwatch.StartNew();
var measureFrom = warmUp;
var measuring = false;
var stopped = false;
var stoppedAt = TimeSpan.Zero;
TimeSpan? drainedAt = null;
long measuredGen2 = 0;
var nextFrame = clock.Elapsed;
while (true)
{
    var preemptedBefore = ThreadUsage.InvoluntarySwitches();
    var cpuBefore = ThreadUsage.CpuTime();
    var start = Stopwatch.GetTimestamp();
    var pauseBefore = GC.GetTotalPauseDuration();
    int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
    var unloadedBefore = unloaded;

    var swapped = library.Update(); // the swap point
    var updated = Stopwatch.GetTimestamp();
    updateAndRender.Invoke(platform, state);
    var called = Stopwatch.GetTimestamp();
    Workload.Run(work);

    var end = Stopwatch.GetTimestamp();
    var cpu = ThreadUsage.CpuTime() - cpuBefore;
    var preempted = ThreadUsage.InvoluntarySwitches() - preemptedBefore;
    if (measuring && !stopped)
    {
        frames.Add(new Frame(
            Stopwatch.GetElapsedTime(frames.Origin, start).TotalMilliseconds,
            Stopwatch.GetElapsedTime(start, end).TotalMilliseconds,
            Stopwatch.GetElapsedTime(start, updated).TotalMilliseconds,
            Stopwatch.GetElapsedTime(updated, called).TotalMilliseconds,
            swapped,
            GC.CollectionCount(0) - gen0,
            GC.CollectionCount(1) - gen1,
            GC.CollectionCount(2) - gen2,
            (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds,
            pauseBefore.TotalMilliseconds,
            unloaded - unloadedBefore,
            (int)preempted,
            cpu.TotalMilliseconds,
            gen2));
    }

    // Between frames, outside the measured time: start and stop measuring, and the end of the run.
    if (!measuring && clock.Elapsed >= measureFrom)
    {
        measuring = true;
        frames.Origin = Stopwatch.GetTimestamp();
        measuredGen2 = GC.CollectionCount(2);
        Console.WriteLine($"[hitch] measuring; generation {library.Generation}");
    }
    else if (measuring && !stopped && File.Exists(stopPath))
    {
        stopped = true;
        stoppedAt = clock.Elapsed;
        measuredGen2 = GC.CollectionCount(2) - measuredGen2;
    }

    // The tracker counts an unload as done before Update() reports it: a few more frames deliver the last report.
    if (stopped && drainedAt is null && library.PendingUnloads == 0)
    {
        drainedAt = clock.Elapsed;
    }

    if (stopped && (clock.Elapsed - drainedAt > TimeSpan.FromMilliseconds(200) || clock.Elapsed - stoppedAt > unloadTimeout))
    {
        break;
    }

    nextFrame += TimeSpan.FromMilliseconds(FramePeriodMs);
    var wait = nextFrame - clock.Elapsed;
    if (wait > TimeSpan.Zero)
    {
        Thread.Sleep(wait);
    }
    else
    {
        nextFrame = clock.Elapsed; // a late frame: start the next one now, without catching up
    }
}

frames.Write(logPath);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"[hitch] done frames={frames.Count} changed={changed} unloaded={unloaded} never-live={neverLive} stalled={stalled} failed={failed} "
    + $"pending={library.PendingUnloads} generation={library.Generation} gen2-collections={measuredGen2} "
    + $"gc-pause-ms={GC.GetTotalPauseDuration().TotalMilliseconds:F1} last-print={printed}"));
return 0;


/// <summary>One measured frame (times in ms): its start since measuring began; its duration, start to end of work;
/// the time in <c>Update()</c> and in the bound call; whether <c>Update()</c> swapped; the collections of generation 0, 1
/// and 2 that ran during it; the GC pause time during it; the process's total GC pause at its start (so the driver can
/// tell the pause of a whole frame period, wait included); the unloads <c>Update()</c> reported in it; how many times
/// the scheduler preempted the frame's thread during it (involuntary context switches: another process, or another
/// thread of this one, took its core); and the CPU time the frame's thread used in it (so wall time less CPU time is
/// the time it was off its core: preempted, suspended for a GC, or waiting); and the process's count of generation-2
/// collections at its start (with the total pause, the driver tells the pause of each frame period with a full GC).</summary>
internal readonly record struct Frame(double Start, double Duration, double Update, double Call, bool Swapped,
    int Gen0, int Gen1, int Gen2, double GcPause, double GcPauseTotal, int Unloaded, int Preempted, double Cpu, int Gen2Total)
{
    public const string Header = "start_ms,duration_ms,update_ms,call_ms,swapped,gen0,gen1,gen2,gc_pause_ms,gc_pause_total_ms,unloaded,preempted,cpu_ms,gen2_total";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Start:F3},{Duration:F4},{Update:F4},{Call:F4},{(Swapped ? 1 : 0)},{Gen0},{Gen1},{Gen2},{GcPause:F4},{GcPauseTotal:F4},{Unloaded},{Preempted},{Cpu:F4},{Gen2Total}");
}

/// <summary>The calling thread's involuntary context switches (Linux getrusage(RUSAGE_THREAD), ru_nivcsw) and CPU time
/// (clock_gettime(CLOCK_THREAD_CPUTIME_ID), nanoseconds), or 0 where they are not available.</summary>
internal static class ThreadUsage
{
    private const int ClockThreadCpuTime = 3;

    [ThreadStatic]
    private static long[]? _time;

    public static TimeSpan CpuTime()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return TimeSpan.Zero;
        }

        var time = _time ??= new long[2]; // struct timespec: seconds, nanoseconds
        return clock_gettime(ClockThreadCpuTime, time) == 0 ? TimeSpan.FromTicks(time[0] * TimeSpan.TicksPerSecond + time[1] / 100) : TimeSpan.Zero;
    }

    private const int RusageThread = 1;
    private const int NivcswIndex = 17; // struct rusage on 64-bit Linux: two timevals (4 longs), then 14 longs, nivcsw last

    [ThreadStatic]
    private static long[]? _usage;

    public static long InvoluntarySwitches()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return 0;
        }

        var usage = _usage ??= new long[18];
        return getrusage(RusageThread, usage) == 0 ? usage[NivcswIndex] : 0;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = false)]
    private static extern int getrusage(int who, long[] usage);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = false)]
    private static extern int clock_gettime(int clock, long[] time);
}
