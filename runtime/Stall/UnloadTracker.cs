using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace HotReload.Runtime;

/// <summary>
/// Proves that released generations really leave the process: holds each released context only weakly and, on a
/// background timer with growing intervals, collects garbage until the context is gone. Results are queued and
/// reported on the host's thread by <see cref="ReloadableLibrary.Update"/>.
/// </summary>
internal sealed class UnloadTracker : IDisposable
{
    private static readonly TimeSpan FirstCheck = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LongestInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MostWaitForCollection = TimeSpan.FromSeconds(1);

    // A stalled generation is still watched, so a late unload is reported: every 2 s for a minute (the user is likely
    // fixing the cause right now), then every 30 s, since each check is a collection of the whole heap.
    private static readonly TimeSpan StalledInterval = LongestInterval;
    private static readonly TimeSpan LongStalledInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongStalled = TimeSpan.FromMinutes(1);

    private readonly List<Released> _pending = [];
    private readonly Queue<(int Generation, AssemblyLoadContext Context, Stopwatch Since, bool WentLive)> _toUnload = new();
    private readonly ConcurrentQueue<EventArgs> _results = new();
    private readonly Action _signal;
    private readonly StallDiagnosis _diagnosis;
    private readonly TimeSpan _stallAfter;
    private readonly bool _collect;
    private readonly Timer _timer;
    private TimeSpan _interval = FirstCheck;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private bool _checkDue;
    private TimeSpan _checkDueAt;
    private bool _disposed;

    // While a stall is searched, no check collects: a collection would end the pause of collections a live read of the
    // heap runs in (CollectionPause). A check that comes due meanwhile runs when the search is over.
    private bool _diagnosing;
    private bool _checkDeferred;
    private readonly CancellationTokenSource _stop = new();

    public UnloadTracker(Action signal, StallDiagnosis diagnosis, TimeSpan stallAfter, bool collect)
    {
        _signal = signal;
        _diagnosis = diagnosis;
        _stallAfter = stallAfter;
        _collect = collect;
        _timer = new Timer(_ => Check(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Released generations whose code is still in memory.</summary>
    public int PendingCount
    {
        get { lock (_pending) { return _pending.Count + _toUnload.Count; } }
    }

    /// <summary>
    /// Unloads <paramref name="context"/> on the tracker's thread, so the host's frame does not pay for it; the caller
    /// must drop every reference it has to the context. <paramref name="wentLive"/> is false for a copy that was refused or
    /// superseded before it ran, so its unload is not reported as a generation's.
    /// </summary>
    public void Release(int generation, AssemblyLoadContext context, bool wentLive)
    {
        lock (_pending)
        {
            if (_disposed)
            {
                context.Unload(); // no timer any more: unload now, unobserved
                return;
            }

            _toUnload.Enqueue((generation, context, Stopwatch.StartNew(), wentLive));
            _interval = FirstCheck;

            // Not at once: a collection now would suspend the host's thread in the middle of its swap. And never
            // later than a check already due, or back-to-back swaps would keep postponing every unload.
            if (!_disposed && (!_checkDue || _clock.Elapsed + FirstCheck < _checkDueAt))
            {
                Schedule(FirstCheck);
            }
        }
    }

    public bool TryTakeResult(out EventArgs? result) => _results.TryDequeue(out result);

    // Callers hold the lock on _pending.
    private void Schedule(TimeSpan after)
    {
        _checkDue = true;
        _checkDueAt = _clock.Elapsed + after;
        _timer.Change(after, Timeout.InfiniteTimeSpan);
    }

    // Separate from Check so that no strong reference to a context stays in Check's frame while it collects.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void UnloadQueued()
    {
        lock (_pending)
        {
            while (_toUnload.TryDequeue(out var released))
            {
                _pending.Add(new Released(released.Generation, new WeakReference(released.Context, trackResurrection: true), released.Since, released.WentLive));
                released.Context.Unload();
            }
        }
    }

    private void Check()
    {
        bool deferred;
        lock (_pending)
        {
            _checkDue = false;
            deferred = _checkDeferred |= _diagnosing;
        }

        if (deferred)
        {
            UnloadQueued(); // unloading starts no collection: only the collections wait for the search
            return;
        }

        UnloadQueued();
        if (_collect)
        {
            // Two collections with the finalizers in between (a context's unload needs both), as background
            // collections: the host's threads run on while they mark, so its frames see only their short pauses
            // instead of two full blocking collections. Only this thread waits for them.
            CollectInBackground();
            GC.WaitForPendingFinalizers();
            CollectInBackground();
        }

        var reported = false;
        List<Released>? stalled = null;
        lock (_pending)
        {
            for (var i = _pending.Count - 1; i >= 0; i--)
            {
                var released = _pending[i];
                if (!released.Context.IsAlive)
                {
                    _results.Enqueue(new GenerationUnloadedEventArgs(released.Generation, released.Since.Elapsed, released.WentLive, released.StallReported));
                    _pending.RemoveAt(i);
                    reported = true;
                }
                else if (!released.Searched && released.Since.Elapsed > _stallAfter)
                {
                    (stalled ??= []).Add(released);
                    _pending[i] = released with { Searched = true };
                }
            }

            // Keep checking, ever less often, while something is pending; a stalled generation only every few seconds.
            if (!_disposed && !_checkDue && (_toUnload.Count > 0 || _pending.Count > 0))
            {
                _interval = _toUnload.Count > 0 ? FirstCheck
                    : _pending.TrueForAll(p => p.Searched) ? (_pending.TrueForAll(p => p.Since.Elapsed > LongStalled) ? LongStalledInterval : StalledInterval)
                    : TimeSpan.FromTicks(Math.Min(_interval.Ticks * 2, LongestInterval.Ticks));
                Schedule(_interval);
            }
        }

        if (stalled is not null)
        {
            reported |= Diagnose(stalled);
        }

        if (reported)
        {
            _signal();
        }
    }

    /// <summary>
    /// Searches each stalled generation for its holders, outside the lock: a search reads the host's heap for a second or
    /// so (BENCHMARKS.md §12), and a swap on the host's thread must never wait for it to release a generation. Whether a
    /// stall was reported.
    /// </summary>
    private bool Diagnose(List<Released> stalled)
    {
        lock (_pending)
        {
            _diagnosing = true;
        }

        var reported = false;
        try
        {
            foreach (var released in stalled)
            {
                // Null when it left memory while it was searched: its unload is reported, not a stall.
                if (_diagnosis.Diagnose(released.Generation, released.Context, released.Since.Elapsed, released.WentLive, _stop.Token) is { } stall)
                {
                    reported |= Report(released, stall);
                }
            }
        }
        finally
        {
            lock (_pending)
            {
                _diagnosing = false;
                if (_checkDeferred && !_disposed && !_checkDue)
                {
                    Schedule(FirstCheck);
                }

                _checkDeferred = false;
            }
        }

        return reported;
    }

    /// <summary>Queues the stall, unless the generation was unloaded (and reported) while it was searched.</summary>
    private bool Report(Released released, UnloadStalledEventArgs stall)
    {
        lock (_pending)
        {
            var i = _pending.FindIndex(p => ReferenceEquals(p.Context, released.Context));
            if (i < 0)
            {
                return false;
            }

            // In the lock, so that a late unload found by a check after this is always queued after its stall.
            _pending[i] = _pending[i] with { StallReported = true };
            _results.Enqueue(stall);
            return true;
        }
    }

    /// <summary>Starts a full background collection and waits (this thread only) until it has finished.</summary>
    private static void CollectInBackground()
    {
        var background = GC.GetGCMemoryInfo(GCKind.Background).Index;
        var blocking = GC.GetGCMemoryInfo(GCKind.FullBlocking).Index;
        GC.Collect(2, GCCollectionMode.Forced, blocking: false);

        // Without concurrent GC (or when the runtime chose to) the collection was a blocking one and is over already.
        var waited = Stopwatch.StartNew();
        while (GC.GetGCMemoryInfo(GCKind.Background).Index == background && GC.GetGCMemoryInfo(GCKind.FullBlocking).Index == blocking
               && waited.Elapsed < MostWaitForCollection)
        {
            Thread.Sleep(1);
        }
    }

    /// <summary>Stops checking. Contexts released but not yet unloaded (a swap just before) are unloaded now.</summary>
    public void Dispose()
    {
        _stop.Cancel(); // a search in progress stops its helper
        lock (_pending)
        {
            _disposed = true;
            _timer.Dispose();
            while (_toUnload.TryDequeue(out var released))
            {
                released.Context.Unload();
            }
        }
    }

    // Searched: its stall was searched for holders (once: a search takes a second or more). StallReported: its stall was
    // reported (an unload after it is a late one).
    private sealed record Released(int Generation, WeakReference Context, Stopwatch Since, bool WentLive, bool Searched = false, bool StallReported = false);
}
