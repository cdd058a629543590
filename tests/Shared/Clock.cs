using System.Diagnostics;

namespace HotReload.Testing;

/// <summary>One monotonic clock for the whole run, so a save, a build's end and an output line compare directly.</summary>
internal static class Clock
{
    private static readonly long Start = Stopwatch.GetTimestamp();

    public static TimeSpan Now => Stopwatch.GetElapsedTime(Start);
}
