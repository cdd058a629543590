namespace HotReload.Runtime;

/// <summary>
/// Holds collections off while a large migration runs. Every object a migration builds survives, so a collection on the
/// way only copies the new world from generation to generation and marks the old one, again and again: at a million
/// objects, ten collections or more, several of them full ones, and over half of the migration's time. In a no-GC region
/// there is none; the new objects are promoted once, by the first collection after the swap. The region's budget is what
/// the last migration allocated, with room to grow; a migration that allocates past it collects as usual, and one that
/// allocated under a megabyte last time runs without a region. The session's first migration has no measure yet: its
/// budget comes from the heap's size, which holds the old world whole (<see cref="FirstBudget"/>).
/// </summary>
internal sealed class MigrationRegion
{
    /// <summary>Below this, a migration is a few thousand objects at most: starting a region would cost about what it saves.</summary>
    internal const long Smallest = 1L * 1024 * 1024;

    /// <summary>Room beyond the last migration's allocation and a quarter more, for a world that grew since.</summary>
    internal const long Slack = 8L * 1024 * 1024;

    /// <summary>
    /// The most a first migration's region asks for. A region's budget is committed, not touched, for the migration's
    /// time only; but a host whose heap is mostly its own data gets it for a migration that may be small, and this
    /// bounds that.
    /// </summary>
    internal const long MostFirstBudget = 1024L * 1024 * 1024;

    private long _lastAllocated = -1; // -1: no migration measured yet

    /// <summary>The budget for a migration after one that allocated <paramref name="lastAllocated"/> bytes; 0: none.</summary>
    internal static long BudgetAfter(long lastAllocated) => lastAllocated < Smallest ? 0 : lastAllocated + (lastAllocated / 4) + Slack;

    /// <summary>
    /// The budget for a session's first migration, from the heap's size (<paramref name="heapSize"/>: the old world and
    /// the host's own objects); 0: none. The first migration allocates the new world and grows the identity map to its
    /// size (the later migrations reuse it): 127 MB for a million keys, growing included. That is 2.5 times the heap for
    /// the benchmark's world (302 MB from 121 MB at a million objects), and about 5 times for a world of the smallest
    /// objects (24 bytes each, and a reference to each: about 160 MB from 30 MB), so this asks for 10. A budget too
    /// small means a collection on the way, after which the map places every key again by hash code: slower than no
    /// region at all (1.76 s where no region takes 1.1 s). A budget too large costs nothing the migration does not use
    /// (committed, not touched: starting a region of 1 GB took 0.1 to 3 ms here), so it errs large.
    /// </summary>
    internal static long FirstBudget(long heapSize) => heapSize < Smallest ? 0 : Math.Min((10 * heapSize) + Slack, MostFirstBudget);

    /// <summary>The budget for the next migration; 0: none.</summary>
    internal long Budget => _lastAllocated < 0 ? FirstBudget(GC.GetTotalMemory(forceFullCollection: false)) : BudgetAfter(_lastAllocated);

    /// <summary>
    /// Starts the region for a migration that uses <paramref name="map"/> (empty), and keys the map by address while it
    /// holds; disposing the scope ends it and measures what the migration allocated.
    /// </summary>
    public Scope Enter(IdentityMap map)
    {
        var budget = Budget;
        var pause = budget > 0 ? CollectionPause.Start(budget) : null;
        if (pause is { Holding: true })
        {
            map.KeyByAddress();
        }

        return new Scope(this, pause, GC.GetAllocatedBytesForCurrentThread());
    }

    /// <summary>One migration's region.</summary>
    public readonly struct Scope(MigrationRegion owner, CollectionPause? pause, long allocatedBefore) : IDisposable
    {
        public void Dispose()
        {
            pause?.Dispose();
            owner._lastAllocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        }
    }
}
