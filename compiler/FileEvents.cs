using System.Diagnostics;

namespace HotReload.Compiler;

/// <summary>One file system event, as the session classifies it.</summary>
internal readonly record struct FileEvent(string Path, WatcherChangeTypes Kind, string? OldPath = null)
{
    /// <summary>The files the event is about: its path, and for a rename the old path too.</summary>
    public string[] Paths => OldPath is null ? [Path] : [Path, OldPath];
}

/// <summary>The events taken at once, and when the first of them came.</summary>
internal sealed record EventBatch(IReadOnlyList<FileEvent> Events, long FirstSeenTimestamp, bool Overflowed)
{
    public TimeSpan SinceFirstSeen => Stopwatch.GetElapsedTime(FirstSeenTimestamp);
}

/// <summary>
/// Watches folders for file events and hands them out as soon as they come: a save is compiled from its first event,
/// while the editor may still be writing it. <see cref="Settle"/> then waits until the files have been quiet for
/// <see cref="Quiet"/> and hands out what came meanwhile, so the compiler publishes only what it read from files that
/// have settled: the quiet window runs beside the compile instead of before it. Events from ignored folders (bin/,
/// obj/) never wake the compiler.
/// </summary>
internal sealed class FileEvents : IDisposable
{
    // An editor's save comes as events microseconds apart (a write in place, or a temporary file renamed over the
    // source). The window runs while the save compiles, so it is on a save's path only when the compile is shorter.
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(10);

    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly HashSet<(string, bool, string)> _watched = [];
    private readonly Func<string, bool> _isRelevant;
    private readonly TimeSpan _quiet;
    private readonly object _gate = new();
    private List<FileEvent> _pending = [];
    private long _firstSeen;
    private long _lastSeen;
    private bool _overflowed;

    /// <param name="quiet">How long the files must be quiet before <see cref="Settle"/> returns; <see cref="Quiet"/>
    /// unless a test needs a window that a loaded machine's scheduler can't split.</param>
    public FileEvents(Func<string, bool> isRelevant, TimeSpan? quiet = null)
    {
        _isRelevant = isRelevant;
        _quiet = quiet ?? Quiet;
    }

    /// <summary>True while events wait to be taken: a newer save than the one being compiled.</summary>
    public bool HasPending
    {
        get { lock (_gate) { return _pending.Count > 0 || _overflowed; } }
    }

    public void Watch(string directory, bool recursive, string filter = "*")
    {
        if (!Directory.Exists(directory) || !_watched.Add((directory, recursive, filter)))
        {
            return; // missing, or watched already (the compilation is loaded again after each build)
        }

        var watcher = new FileSystemWatcher(directory, filter)
        {
            IncludeSubdirectories = recursive,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            InternalBufferSize = 64 * 1024,
        };
        watcher.Changed += (_, e) => Add(new FileEvent(e.FullPath, e.ChangeType));
        watcher.Created += (_, e) => Add(new FileEvent(e.FullPath, e.ChangeType));
        watcher.Deleted += (_, e) => Add(new FileEvent(e.FullPath, e.ChangeType));
        watcher.Renamed += (_, e) => Add(new FileEvent(e.FullPath, e.ChangeType, e.OldFullPath));
        watcher.Error += (_, _) => Overflow();
        watcher.EnableRaisingEvents = true;
        _watchers.Add(watcher);
    }

    /// <summary>Puts events back, to be taken again (a file was being written while read).</summary>
    public void Requeue(IEnumerable<FileEvent> events)
    {
        foreach (var e in events)
        {
            Add(e);
        }
    }

    /// <summary>Waits for events and takes them all at once; null once cancelled.</summary>
    public EventBatch? Take(CancellationToken cancellation)
    {
        lock (_gate)
        {
            while (!cancellation.IsCancellationRequested)
            {
                if (_pending.Count > 0 || _overflowed)
                {
                    var batch = new EventBatch(_pending, _firstSeen, _overflowed);
                    _pending = [];
                    _overflowed = false;
                    return batch;
                }

                Monitor.Wait(_gate); // until an event, or Wake
            }
        }

        return null;
    }

    /// <summary>
    /// Waits until the files have been quiet for the window since the last event (the ones <see cref="Take"/> handed
    /// out included), then takes the events that came after <see cref="Take"/>: none when the save taken was whole.
    /// Null when the system dropped events (they stay pending: every file is looked at again) or once cancelled.
    /// </summary>
    public IReadOnlyList<FileEvent>? Settle(CancellationToken cancellation)
    {
        lock (_gate)
        {
            while (!cancellation.IsCancellationRequested)
            {
                var quietFor = Stopwatch.GetElapsedTime(_lastSeen);
                if (quietFor < _quiet)
                {
                    Monitor.Wait(_gate, _quiet - quietFor);
                    continue;
                }

                if (_overflowed)
                {
                    return null;
                }

                var settled = _pending;
                _pending = [];
                return settled;
            }
        }

        return null;
    }

    /// <summary>Wakes <see cref="Take"/> and <see cref="Settle"/> so they see a cancellation.</summary>
    public void Wake()
    {
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    private void Add(FileEvent e)
    {
        if (!e.Paths.Any(_isRelevant))
        {
            return;
        }

        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            if (_pending.Count == 0 && !_overflowed)
            {
                _firstSeen = now;
            }

            _lastSeen = now;
            _pending.Add(e);
            Monitor.PulseAll(_gate);
        }
    }

    // The system dropped events (its queue overflowed): every file must be looked at again.
    private void Overflow()
    {
        lock (_gate)
        {
            if (_pending.Count == 0 && !_overflowed)
            {
                _firstSeen = Stopwatch.GetTimestamp();
            }

            _lastSeen = Stopwatch.GetTimestamp();
            _overflowed = true;
            Monitor.PulseAll(_gate);
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
    }
}
