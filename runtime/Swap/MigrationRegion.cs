namespace HotReload.Runtime;

/// <summary>
/// Holds collections off while a large migration runs. Every object a migration builds survives, so a collection on the
/// way only copies the new world from generation to generation and marks the old one, again and again: at a million
/// objects, ten collections or more, several of them full ones, and over half of the migration's time. In a no-GC region
/// there is none; the new objects are promoted once, by the first collection after the swap. The region's budget is what
/// the last migration allocated, with room to grow; a migration that allocates past it collects as usual. The first
/// migration of a session has no measure yet and runs without one, as does one that allocated under a megabyte last time.
/// </summary>
internal sealed class MigrationRegion
{
    /// <summary>Below this, a migration is a few thousand objects at most: starting a region would cost about what it saves.</summary>
    internal const long Smallest = 1L * 1024 * 1024;

    /// <summary>Room beyond the last migration's allocation and a quarter more, for a world that grew since.</summary>
    internal const long Slack = 8L * 1024 * 1024;

    private long _lastAllocated;

    /// <summary>The budget for the next migration; 0: none.</summary>
    internal long Budget => _lastAllocated < Smallest ? 0 : _lastAllocated + (_lastAllocated / 4) + Slack;

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
