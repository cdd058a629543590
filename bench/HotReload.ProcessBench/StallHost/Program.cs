// The host of the `stall` figure (HotReload.ProcessBench): the hitch host's frame loop (Update, the bound call, a fixed
// busy workload of about 2 ms, then a wait for the next 16.7 ms frame period) in a host that also keeps about 100 MB of
// live managed objects, so the stall diagnosis reads a heap of a real game's size. It records each frame's time and
// reports each UnloadStalled event on one line for the driver. The driver copies this file over Host/Program.cs in its
// copy of the sample (with Common/Leaks.cs beside it); it is not compiled as part of the driver.
//
// Usage: Host --log FILE --stop FILE
//          allocates the ballast, calibrates the workload, prints `[stall] measuring` after a warm-up, records frames
//          until FILE (--stop) exists, writes them to the log and prints `[stall] done ...`.
// Lines for the driver (times in ms since measuring began):
//   [stall] live N at=T                                  generation N went live in the frame that started at T
//   [stall] stalled N at=T time=D pause=P causes=C method=M   the UnloadStalled event, raised in the frame at T
//   [stall] holder N ROOT :: DESCRIPTION                 one per cause
//   [stall] fallback N REASON                            when the search fell back to in-process
//   [stall] unloaded N at=T late=B
using System.Diagnostics;
using System.Globalization;
using Common;
using HotReload.Runtime;
using StateManipulation;

const double FramePeriodMs = 1000.0 / 60;
const double WorkMs = 2.0;
const int BallastObjects = 1_000_000;
var warmUp = TimeSpan.FromSeconds(5);

if (args is not ["--log", var logPath, "--stop", var stopPath])
{
    Console.Error.WriteLine("Usage: Host --log FILE --stop FILE");
    return 2;
}

// The ballast: a million small objects (104 bytes each) in a list the host holds for its whole life, about 100 MB the
// helper has to walk. Allocated before the library opens, so its collections are over before anything is measured.
var ballast = new List<Node>(BallastObjects);
for (var i = 0; i < BallastObjects; i++)
{
    ballast.Add(new Node(i, i == 0 ? null : ballast[i - 1]));
}

GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
var heapMb = GC.GetGCMemoryInfo().HeapSizeBytes / 1e6;
var work = Workload.Calibrate(WorkMs);

// No warm compiler: the driver compiles the copies. A stall is reported 1 s after the release instead of 10 s.
using var library = ReloadableLibrary.Open(typeof(Logic).Assembly,
    new ReloadOptions { CompileOnSave = false, UnloadStallTimeout = TimeSpan.FromSeconds(1) });
var frames = new FrameLog<Frame>(60 * 60 * 10, Frame.Header); // ten minutes of frames
double Now() => Stopwatch.GetElapsedTime(frames.Origin).TotalMilliseconds;
string Ms(double value) => value.ToString("F1", CultureInfo.InvariantCulture);

library.GenerationChanged += (_, e) => Console.WriteLine($"[stall] live {e.Generation} at={Ms(Now())}");
library.GenerationUnloaded += (_, e) => Console.WriteLine($"[stall] unloaded {e.Generation} at={Ms(Now())} late={e.WasStalled}");
library.UnloadStalled += (_, e) =>
{
    // Console output in a frame costs a little; it is after the frame's Update() has been timed, and once a stall.
    Console.WriteLine($"[stall] stalled {e.Generation} at={Ms(Now())} time={Ms(e.DiagnosisTime.TotalMilliseconds)} pause={Ms(e.HostPause.TotalMilliseconds)} causes={e.Causes.Count} method={e.DiagnosisMethod}");
    foreach (var cause in e.Causes)
    {
        Console.WriteLine($"[stall] holder {e.Generation} {cause.Root} :: {cause.Description}");
    }

    if (e.FallbackReason is { } reason)
    {
        Console.WriteLine($"[stall] fallback {e.Generation} {reason}");
    }

    // Let the leaking copy's thread end: it lets go of what it took, and the generation unloads late (the next round
    // starts without it, and its stalled-generation checks stop).
    Leaks.Released = e.Generation;
};
library.ReloadFailed += (_, e) => Console.WriteLine($"[stall] reload failed: {e.Message}");

var platform = new Platform(_ => { }); // no console output in a frame
var newState = library.Bind<State>(Logic.NewState);
var updateAndRender = library.Bind<Platform, State>(Logic.UpdateAndRender);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"[stall] {library.Description}; generation {library.Generation} running; compiler {library.CompilerProcessId?.ToString(CultureInfo.InvariantCulture) ?? "none"}; "
    + $"ballast {BallastObjects} objects, heap {heapMb:F0} MB; work {work} iterations; diagnosis {Environment.GetEnvironmentVariable("HOTRELOAD_STALL_DIAGNOSIS") ?? "auto"}"));

var state = newState.Invoke();
var clock = Stopwatch.StartNew();
var measuring = false;
var nextFrame = clock.Elapsed;
frames.Origin = Stopwatch.GetTimestamp();
while (!(measuring && File.Exists(stopPath)))
{
    var start = Stopwatch.GetTimestamp();
    var pauseBefore = GC.GetTotalPauseDuration();
    int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
    library.Update(); // the swap point, and where UnloadStalled is raised
    updateAndRender.Invoke(platform, state);
    Workload.Run(work);
    var end = Stopwatch.GetTimestamp();
    if (measuring)
    {
        frames.Add(new Frame(
            Stopwatch.GetElapsedTime(frames.Origin, start).TotalMilliseconds,
            Stopwatch.GetElapsedTime(start, end).TotalMilliseconds,
            (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds,
            GC.CollectionCount(0) - gen0,
            GC.CollectionCount(2) - gen2));
    }
    else if (clock.Elapsed >= warmUp)
    {
        measuring = true;
        frames.Origin = Stopwatch.GetTimestamp();
        Console.WriteLine($"[stall] measuring; generation {library.Generation}");
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
GC.KeepAlive(ballast);
Console.WriteLine($"[stall] done frames={frames.Count} generation={library.Generation} pending={library.PendingUnloads}");
return 0;

/// <summary>One ballast object: ten longs and a reference to the one before (104 bytes with its header).</summary>
internal sealed class Node(long id, Node? previous)
{
#pragma warning disable CS0414, IDE0052 // never read: they are there for their size
    private readonly long _a = id, _b = id, _c = id, _d = id, _e = id, _f = id, _g = id, _h = id, _i = id, _j = id;
#pragma warning restore CS0414, IDE0052

    public Node? Previous { get; } = previous;
}


/// <summary>One measured frame (ms): its start since measuring began, its duration to the end of its work, the GC pause
/// during it, and the collections (of any generation; of generation 2) that ran during it. Any collection during a live
/// read makes the runtime read again (StallDiagnosis.ReadHolders), so the driver counts them in the search.</summary>
internal readonly record struct Frame(double Start, double Duration, double GcPause, int Gen0, int Gen2)
{
    public const string Header = "start_ms,duration_ms,gc_pause_ms,gen0,gen2";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Start:F3},{Duration:F4},{GcPause:F4},{Gen0},{Gen2}");
}
