using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Game;
using HotReload.Runtime;

namespace HotReload.Benchmarks;

/// <summary>
/// Figure "memory": what the process holds after many swaps in live mode. Every copy is a new numbered folder;
/// they are compiled before the first measurement. After each swap the released generation is left to be
/// collected before the next copy comes, as with a developer's builds, which are seconds apart.
/// </summary>
internal static class MemoryFigure
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static bool Run(bool quick)
    {
        int[] checkpoints = quick ? [0, 5, 10] : [0, 100, 1000];
        using var scratch = new Scratch("memory");
        var copies = new CopyFolder(scratch.Path);
        var compileTime = Precompile(copies, checkpoints[^1] + 1);

        copies.Publish(1);
        using var library = ReloadableLibrary.Open(typeof(Logic).Assembly, copies.Directory);
        var step = library.Bind<Counter, long>(Logic.Step);
        var counter = new Counter();
        step.Invoke(counter);

        var rows = new List<Sample>();
        var swapTime = new Stopwatch();
        foreach (var swaps in checkpoints)
        {
            while (library.Generation - 1 < swaps)
            {
                var next = library.Generation + 1;
                copies.Prune(next - 1);
                swapTime.Start();
                copies.Publish(next);
                WaitForGeneration(library, next);
                swapTime.Stop();
                step.Invoke(counter);
                Settle(library);
            }

            rows.Add(Measure(library, swaps));
        }

        var table = Report.Table(
            ["Swaps", "Working set (MB)", "Managed heap (MB)", "Collectible contexts alive", "Pending unloads"],
            rows.Select(r => new[] { Int(r.Swaps), Mb(r.WorkingSet), Mb(r.Heap), Int(r.Contexts), Int(r.PendingUnloads) }));
        var (from, to) = (rows[^2], rows[^1]);
        var growth = Math.Max(to.WorkingSet - from.WorkingSet, to.Heap - from.Heap);
        Report.Publish("memory", quick, "Memory after many swaps", table + $"""

            Growth from {from.Swaps} to {to.Swaps} swaps: working set {Mb(to.WorkingSet - from.WorkingSet)} MB, managed heap {Mb(to.Heap - from.Heap)} MB (goal < 5 MB: {(growth < 5 * 1024 * 1024 ? "met" : "missed")}).

            - Each swap publishes a new numbered folder, waits for `Update()` to make it live (1 ms frames) and calls it once;
              the newest 10 copies are kept, as the SDK's build does. A swap took {swapTime.Elapsed.TotalMilliseconds / to.Swaps:F1} ms on average.
            - After each swap, and before each measurement, garbage is collected and `Update()` is called until no
              released generation is pending (at most {Patience.TotalSeconds:F0} s), as builds seconds apart allow.
              (Before commit 7449c6a, swaps in a burst postponed the runtime's unload check until the burst ended: about
              700 generations were alive after 900 back-to-back swaps. The check now runs 20 ms after the first release
              it has not handled, however many follow.)
            - Before each measurement an aggressive collection returns the GC's spare memory. Working set:
              `Process.WorkingSet64` after `Refresh()`; managed heap: `GC.GetTotalMemory(true)`.
            - The {checkpoints[^1] + 1} copies were compiled with Roslyn beforehand ({compileTime.TotalSeconds:F1} s, one
              compilation per distinct source, renamed per copy); Roslyn's assemblies stay loaded, its caches are garbage.
            """);
        return true;
    }

    // Separate and not inlined, so the compiler and its caches are unreachable once it returns.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TimeSpan Precompile(CopyFolder copies, int count)
    {
        var stopwatch = Stopwatch.StartNew();
        var compiler = new CopyCompiler();
        for (var generation = 1; generation <= count; generation++)
        {
            copies.Stage(compiler, generation);
        }

        return stopwatch.Elapsed;
    }

    private static void WaitForGeneration(ReloadableLibrary library, int generation)
    {
        var deadline = Stopwatch.StartNew();
        while (library.Generation != generation)
        {
            if (deadline.Elapsed > Patience)
            {
                throw new TimeoutException($"Generation {generation} did not go live; still {library.Generation}.");
            }

            library.Update();
            Thread.Sleep(1);
        }
    }

    /// <summary>Waits until every released generation has been collected (or <see cref="Patience"/> runs out).</summary>
    private static void Settle(ReloadableLibrary library)
    {
        var deadline = Stopwatch.StartNew();
        do
        {
            Collect();
            library.Update(); // takes the unload reports the runtime's background checks queued
            Thread.Sleep(5);
        }
        while (library.PendingUnloads > 0 && deadline.Elapsed < Patience);
    }

    private static Sample Measure(ReloadableLibrary library, int swaps)
    {
        Settle(library);

        // Aggressive: the GC also gives back the memory it keeps committed for later, which it otherwise does
        // gradually, and which would show in the working set as noise of ±10 MB.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return new Sample(swaps, process.WorkingSet64, heap, AssemblyLoadContext.All.Count(c => c.IsCollectible), library.PendingUnloads);
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture);

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record Sample(int Swaps, long WorkingSet, long Heap, int Contexts, int PendingUnloads);
}
