using System.Diagnostics.CodeAnalysis;

namespace HotReload.Runtime;

/// <summary>
/// The first step of a swap, off the host's thread: when a copy newer than the live generation appears, loads it into
/// its context, resolves and compiles every entry point, finds its hooks, and plans the migration of the state into it;
/// one preparation at a time, and a newer copy supersedes one still waiting. A copy that cannot be loaded is refused
/// (never tried again) and reported; the running generation is never touched here.
/// </summary>
internal sealed class CopyPreparer(GenerationFolder folder, BindingSet bindings, UnloadTracker tracker, Func<LiveGeneration?> live,
    Action<ReloadFailedEventArgs> refused, Action signal)
{
    private PreparedGeneration? _prepared;
    private IReadOnlyList<Type> _likelyTypes = [];
    private int _preparing;
    private int _rescan;
    private int _watching;
    private int _refusedGeneration; // written by the preparing thread and the host's thread: Interlocked only
    private int _takenGeneration; // the newest copy handed to a switch: live, being switched to, or refused since
    private volatile bool _disposed;

    /// <summary>
    /// Starts preparing on change. Before this, changes only mark a rescan (the host's first copy is prepared on its
    /// own thread, <see cref="PrepareNewest"/>), so that no preparation runs beside that one.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public void StartWatching()
    {
        Interlocked.Exchange(ref _watching, 1);
        if (Interlocked.CompareExchange(ref _rescan, 0, 0) == 1)
        {
            Schedule();
        }
    }

    /// <summary>The folder of copies changed, or the warm compiler published a copy.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public void OnCopiesChanged()
    {
        Interlocked.Exchange(ref _rescan, 1); // before reading _watching: StartWatching writes them the other way round
        if (Interlocked.CompareExchange(ref _watching, 0, 0) == 1)
        {
            Schedule();
        }
    }

    /// <summary>Prepares the newest copy on the thread pool, one preparation at a time.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public void Schedule()
    {
        Volatile.Write(ref _rescan, 1);
        if (Interlocked.CompareExchange(ref _preparing, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => PrepareLoop(), null);
        }
    }

    /// <summary>
    /// The prepared copy, if one waits; the caller owns it from now on. Its number is marked taken before it leaves, so a
    /// scan that finds nothing waiting also finds it taken: while the switch to it runs (a large migration takes a while)
    /// the live generation is still the one before, and the copy would otherwise be prepared a second time and switched
    /// to again, from itself.
    /// </summary>
    public PreparedGeneration? Take()
    {
        while (Volatile.Read(ref _prepared) is { } prepared)
        {
            RaiseTo(ref _takenGeneration, prepared.Generation);
            if (Interlocked.CompareExchange(ref _prepared, null, prepared) == prepared)
            {
                return prepared;
            }
        }

        return null;
    }

    /// <summary>The types the last migration produced objects of: the next one plans them ahead.</summary>
    public void ExpectTypes(IReadOnlyList<Type> types) => Volatile.Write(ref _likelyTypes, types);

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private void PrepareLoop()
    {
        while (Interlocked.Exchange(ref _rescan, 0) == 1 && !_disposed)
        {
            PrepareNewest();
        }

        Volatile.Write(ref _preparing, 0);

        // A copy that arrived between the last scan and the line above would otherwise wait for the next one.
        if (Volatile.Read(ref _rescan) == 1 && !_disposed)
        {
            Schedule();
        }
    }

    /// <summary>Loads the newest copy if it is newer than what is live or prepared; never throws.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only live mode prepares copies; a native AOT host has HotReload.IsSupported off.")]
    public void PrepareNewest()
    {
        int newest;
        try
        {
            newest = folder.Newest();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // the folder of copies cannot be read now (deleted while it was scanned, say): the next change rescans it
        }

        var current = live();
        var waiting = Volatile.Read(ref _prepared);
        if (newest <= (current?.Number ?? 0) || newest <= Volatile.Read(ref _refusedGeneration) || newest <= (waiting?.Generation ?? 0)
            || newest <= Volatile.Read(ref _takenGeneration))
        {
            return;
        }

        try
        {
            var prepared = Load(newest);
            if (current is not null)
            {
                prepared.PlanMigration(current, Volatile.Read(ref _likelyTypes));
            }

            var superseded = Interlocked.Exchange(ref _prepared, prepared);
            if (superseded is not null)
            {
                tracker.Release(superseded.Generation, superseded.Context, wentLive: false); // a newer copy came first
            }

            if (_disposed && Interlocked.Exchange(ref _prepared, null) is { } orphan)
            {
                orphan.Context.Unload();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bad copy never takes the host down: keep the running generation and wait for a newer copy.
            Refuse(newest, folder.AssemblyPathOf(newest), e);
        }

        signal();
    }

    /// <summary>Loads copy <paramref name="generation"/> with every binding resolved; a copy that cannot be is released and the exception thrown.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public PreparedGeneration Load(int generation) =>
        PreparedGeneration.Load(folder, generation, bindings.Snapshot(), (g, context) => tracker.Release(g, context, wentLive: false));

    /// <summary>Reports a copy that cannot go live and never prepares it (or an older one) again.</summary>
    public void Refuse(int generation, string path, Exception e)
    {
        MarkRefused(generation);
        var message = HotReloadException.Within(e) is { } refusal
            ? refusal.Message
            : $"HR2004: Loading {path} failed: {e.GetType().Name}: {Messages.Sentence(e.Message)} Generation {live()?.Number ?? 0} keeps running; fix the library and build again.";
        refused(new ReloadFailedEventArgs(generation, message, e));
    }

    /// <summary>No copy numbered <paramref name="generation"/> or lower is prepared again.</summary>
    public void MarkRefused(int generation) => RaiseTo(ref _refusedGeneration, generation);

    private static void RaiseTo(ref int highest, int generation)
    {
        for (var soFar = Volatile.Read(ref highest);
             soFar < generation && Interlocked.CompareExchange(ref highest, generation, soFar) != soFar;
             soFar = Volatile.Read(ref highest))
        {
        }
    }

    /// <summary>Stops preparing; a copy prepared but not taken is unloaded.</summary>
    public void Dispose()
    {
        _disposed = true;
        Take()?.Context.Unload();
    }
}
