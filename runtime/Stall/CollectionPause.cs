using System.Runtime;

namespace HotReload.Runtime;

/// <summary>
/// Holds the host's collections off for a while: while the helper reads its heap live, so that no object moves under the
/// reader (a collection that compacts can take a holder out of the read's sight, as the benchmark saw), and while a large
/// migration builds the new generation's objects (which all survive: collections on the way only copy them from
/// generation to generation, a second of them at a million objects). A no-GC region with a budget: a host that
/// allocates past it collects as usual and the region ends by itself. Where the host is in a region of its own, or the
/// budget is refused, the work goes on without one.
/// </summary>
internal sealed class CollectionPause : IDisposable
{
    /// <summary>What the host may allocate during a heap read before a collection ends the pause: seconds of an ordinary frame loop's garbage.</summary>
    public const long ReadBudget = 64L * 1024 * 1024;

    private readonly bool _started;
    private readonly int _collections;

    private CollectionPause(bool started)
    {
        _started = started;
        _collections = GC.CollectionCount(0); // counts every collection; read after the region began (starting one counts as one)
    }

    /// <summary>Starts the pause (or, where the host has a region of its own, only counts collections).</summary>
    public static CollectionPause Start(long budget = ReadBudget) => new(TryStart(budget));

    /// <summary>Whether the region is in place: no collection runs until the budget is spent or someone collects.</summary>
    public bool Holding => _started && !Collected;

    /// <summary>Whether a collection ran since the pause began (the host allocated past the budget, or collected itself).</summary>
    public bool Collected => GC.CollectionCount(0) != _collections;

    private static bool TryStart(long budget)
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            return false; // the host's own region: asking for another would end it (the GC treats that as a collection)
        }

        try
        {
            // Never a full blocking collection to make room: that would be the very pause of the host this avoids.
            return GC.TryStartNoGCRegion(budget, disallowFullBlockingGC: true);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentOutOfRangeException)
        {
            return false; // a region the host began meanwhile, or a budget the GC cannot give
        }
    }

    public void Dispose()
    {
        // Not after a collection ended ours: a region in place then is one the host began since.
        if (_started && !Collected && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
                // Ended by a collection meanwhile.
            }
        }
    }
}
