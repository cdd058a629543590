using System.Diagnostics;
using System.Globalization;
using Game;
using HotReload.Runtime;

namespace HotReload.Benchmarks;

/// <summary>
/// Figure "swap": from the moment a new copy is in place to the first call that runs it, with HotReload.Runtime
/// (copy folder renamed into place) and with McMaster.NETCore.Plugins' hot reload (plugin file overwritten).
/// Copies are compiled before timing starts.
/// </summary>
internal static class SwapFigure
{
    public static bool Run(bool quick)
    {
        var swaps = quick ? 5 : 100;
        using var scratch = new Scratch("swap");
        var compiler = new CopyCompiler();
        var runs = new List<SwapRun>
        {
            HotReloadRuntime(Path.Combine(scratch.Path, "spin"), compiler, swaps, TimeSpan.Zero),
            HotReloadRuntime(Path.Combine(scratch.Path, "frames"), compiler, swaps, TimeSpan.FromMilliseconds(50)),
            McMaster(Path.Combine(scratch.Path, "mcmaster"), compiler, swaps),
        };

        var table = Report.Table(
            ["Reloader", "Host frame", "Swaps", "Latency p50 (ms)", "Latency p99 (ms)", "In-frame swap p50 (ms)", "In-frame swap p99 (ms)", "Off-thread load p50 (ms)"],
            runs.Select(r => new[]
            {
                r.Reloader, r.Frame, r.Latencies.Count.ToString(CultureInfo.InvariantCulture),
                Ms(SwapDriver.Percentile(r.Latencies, 50)), Ms(SwapDriver.Percentile(r.Latencies, 99)),
                Ms(SwapDriver.Percentile(r.InFrame, 50)), Ms(SwapDriver.Percentile(r.InFrame, 99)),
                r.OffThread.Count == 0 ? "—" : Ms(SwapDriver.Percentile(r.OffThread, 50)),
            }));
        Report.Publish("swap", quick, "Swap latency", table + """

            - **Latency**: from the moment the new copy is in place (HotReload.Runtime: `Directory.Move` of the copy's
              folder returned; McMaster: `File.WriteAllBytes` of the plugin file returned) to the end of the first host
              frame whose call ran the new code. Copies are published one at a time, 50 ms plus a random part of a
              frame (at least 50 ms) after the previous swap, so they land anywhere in a frame. Real builds are
              seconds apart; much closer together, the runtime's unloading and collecting of the previous generation
              (from 20 ms after a swap) would compete with the next swap.
            - **Host frame**: *spin* runs frames back to back on one thread (Update + one call, no sleep);
              *50 ms* sleeps 50 ms after each frame (a 20 fps host), which adds up to one frame of waiting.
            - **In-frame swap**: the part of the swap done inside the host's frame. HotReload.Runtime:
              `GenerationChangedEventArgs.SwapTime`, switching the bound functions inside `Update()`; the copy was
              loaded into a new collectible context, bound and JIT-compiled on a thread-pool thread beforehand
              (`LoadTime`, the **off-thread load** column). McMaster: `LoadDefaultAssembly()` +
              `GetType/GetMethod/CreateDelegate` after its `Reloaded` event, which the host has to do itself.
            - **McMaster** reloads `ReloadDelay` after the last write to a `*.dll` in the plugin's folder; measured
              with the default, 200 ms. Its reload (unload, new context, `GC.Collect` + `WaitForPendingFinalizers`)
              runs on a thread-pool thread. HotReload.Runtime's released contexts are collected by background
              `GC.Collect` calls too (`ReloadOptions.CollectReleasedGenerations`, on by default). Neither is in the
              in-frame time, but a blocking collection pauses the host's thread wherever it is.
            - Every swap counts, the first one too (it JIT-compiles the swap path).
            - HotReload.Runtime keeps the newest 10 copies and deletes older ones, as the SDK's build does.
            """);
        return true;
    }

    private static SwapRun HotReloadRuntime(string root, CopyCompiler compiler, int swaps, TimeSpan frameTime)
    {
        // Copy 1 is live at the start; swap i publishes copy i + 1.
        var copies = new CopyFolder(root);
        for (var generation = 1; generation <= swaps + 1; generation++)
        {
            copies.Stage(compiler, generation);
        }

        copies.Publish(1);
        using var library = ReloadableLibrary.Open(typeof(Logic).Assembly, copies.Directory);
        var step = library.Bind<Counter, long>(Logic.Step);
        var (inFrame, offThread) = (new List<double>(), new List<double>());
        library.GenerationChanged += (_, e) =>
        {
            inFrame.Add(e.SwapTime.TotalMilliseconds);
            offThread.Add(e.LoadTime.TotalMilliseconds);
        };
        var counter = new Counter();

        var latencies = SwapDriver.Run(
            swaps,
            frameTime,
            publish: i =>
            {
                copies.Prune(i);
                copies.Publish(i + 1);
            },
            frame: () =>
            {
                library.Update();
                var before = counter.Value;
                return step.Invoke(counter) - before;
            },
            expectedIncrement: i => CopyFolder.IncrementOf(i + 1));
        return new SwapRun("HotReload.Runtime", frameTime == TimeSpan.Zero ? "spin" : $"{frameTime.TotalMilliseconds:F0} ms", latencies, inFrame, offThread);
    }

    private static SwapRun McMaster(string root, CopyCompiler compiler, int swaps)
    {
        var plugin = new PluginFile(root, compiler);
        for (var generation = 1; generation <= 4; generation++)
        {
            plugin.Prepare(CopyFolder.IncrementOf(generation));
        }

        plugin.Write(CopyFolder.IncrementOf(1));
        using var loader = plugin.Open(hotReload: true);
        var step = PluginFile.StepOf(loader);
        var reloaded = 0;
        loader.Reloaded += (_, _) => Volatile.Write(ref reloaded, 1);
        var inFrame = new List<double>();
        var counter = new Counter();

        var latencies = SwapDriver.Run(
            swaps,
            TimeSpan.Zero,
            publish: i => plugin.Write(CopyFolder.IncrementOf(i + 1)),
            frame: () =>
            {
                // A McMaster host checks a flag that its Reloaded handler raised, then binds its entry point again.
                if (Interlocked.Exchange(ref reloaded, 0) == 1)
                {
                    var start = Stopwatch.GetTimestamp();
                    step = PluginFile.StepOf(loader);
                    inFrame.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }

                var before = counter.Value;
                return step(counter) - before;
            },
            expectedIncrement: i => CopyFolder.IncrementOf(i + 1));
        return new SwapRun("McMaster.NETCore.Plugins (ReloadDelay 200 ms)", "spin", latencies, inFrame, []);
    }

    private static string Ms(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
}
