// The frame workload of the `hitch` and `stall` figures' hosts (HotReload.ProcessBench): the drivers copy this file
// beside their host's Program.cs in their copy of the sample; it is not compiled as part of the driver.
using System.Diagnostics;

/// <summary>A fixed amount of busy work: a dependent chain of floating-point operations, and a small array allocated
/// every 1024 steps into a ring of 512, so most die young and a few live for a while (about 90 KB a frame).</summary>
internal static class Workload
{
    private static readonly object[] Ring = new object[512];
    private static int _next;

    public static double Sink { get; private set; } = 1;

    public static void Run(int iterations)
    {
        var x = Sink;
        for (var i = 0; i < iterations; i++)
        {
            x = x * 0.999999 + 1e-6;
            if ((i & 1023) == 0)
            {
                Ring[_next++ & 511] = new double[8];
            }
        }

        Sink = x;
    }

    /// <summary>Iterations that take <paramref name="milliseconds"/>: the median of many timed frames after a warm-up
    /// (long enough for tiered compilation to settle).</summary>
    public static int Calibrate(double milliseconds)
    {
        const int Probe = 200_000;
        var until = Stopwatch.StartNew();
        while (until.Elapsed < TimeSpan.FromSeconds(2))
        {
            Run(Probe);
        }

        var perIteration = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            var start = Stopwatch.GetTimestamp();
            Run(Probe);
            perIteration.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds / Probe);
            Thread.Sleep(5); // like frames: work, then a wait
        }

        perIteration.Sort();
        return (int)Math.Round(milliseconds / perIteration[perIteration.Count / 2]);
    }
}
