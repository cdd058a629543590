using System.Diagnostics;

namespace HotReload.Benchmarks;

/// <summary>What one run of swaps measured, in milliseconds.</summary>
internal sealed record SwapRun(string Reloader, string Frame, List<double> Latencies, List<double> InFrame, List<double> OffThread);

/// <summary>
/// Times swaps the way a host lives them. A publisher thread makes one new copy visible at a time, at a random
/// moment, and notes when that returned; this thread runs the host's frames and, at the first call whose result
/// shows the new copy ran, takes the latency. The next copy is published only after that.
/// </summary>
/// <remarks>
/// Copies are published 50 ms plus a random part of a frame (at least 50 ms) apart. Real builds are seconds apart;
/// much closer than 50 ms, the runtime's background collection of the previous generation (first after 20 ms)
/// would overlap the next swap. The random part spreads copies evenly over the host's frame.
/// </remarks>
internal static class SwapDriver
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <param name="swaps">How many copies to publish.</param>
    /// <param name="frameTime">Sleep after each frame; zero spins (one frame right after the other).</param>
    /// <param name="publish">Makes swap i's copy visible; timing starts when it returns.</param>
    /// <param name="frame">One host frame; returns what its call added to the counter, which identifies the copy that ran.</param>
    /// <param name="expectedIncrement">What swap i's copy adds.</param>
    /// <returns>The latencies.</returns>
    public static List<double> Run(
        int swaps, TimeSpan frameTime, Action<int> publish, Func<long> frame, Func<int, long> expectedIncrement)
    {
        var latencies = new List<double>(swaps);
        long publishedAt = 0; // Stopwatch timestamp, written by the publisher; 0 while nothing is pending
        using var seen = new SemaphoreSlim(0);
        var publisher = new Thread(() =>
        {
            var random = new Random(42);
            var spread = (int)Math.Max(50, frameTime.TotalMilliseconds);
            for (var i = 1; i <= swaps; i++)
            {
                Thread.Sleep(50 + random.Next(spread));
                publish(i);
                Volatile.Write(ref publishedAt, Stopwatch.GetTimestamp());
                seen.Wait();
            }
        }) { IsBackground = true, Name = "publisher" };
        publisher.Start();

        var deadline = Stopwatch.GetTimestamp() + (long)(Patience.TotalSeconds * Stopwatch.Frequency);
        for (var i = 1; i <= swaps;)
        {
            var ran = frame();
            var end = Stopwatch.GetTimestamp();
            if (ran == expectedIncrement(i))
            {
                // The publisher writes its timestamp right after the rename returns; wait for it in the rare case
                // that the swap beat it (then the latency is about zero).
                long at;
                while ((at = Volatile.Read(ref publishedAt)) == 0)
                {
                    Thread.SpinWait(20);
                }

                latencies.Add(Math.Max(0, Stopwatch.GetElapsedTime(at, end).TotalMilliseconds));
                Volatile.Write(ref publishedAt, 0);
                seen.Release();
                deadline = end + (long)(Patience.TotalSeconds * Stopwatch.Frequency);
                i++;
            }
            else if (end > deadline)
            {
                throw new TimeoutException($"Swap {i} did not reach a call within {Patience.TotalSeconds} s.");
            }

            if (frameTime > TimeSpan.Zero)
            {
                Thread.Sleep(frameTime);
            }
        }

        publisher.Join();
        return latencies;
    }

    /// <summary>Nearest-rank percentile.</summary>
    public static double Percentile(List<double> values, double percent)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
