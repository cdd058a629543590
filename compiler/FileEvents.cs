using System.Diagnostics;

namespace HotReload.Compiler;

/// <summary>One file system event, as the session classifies it.</summary>
internal readonly record struct FileEvent(string Path, WatcherChangeTypes Kind, string? OldPath = null);

/// <summary>Events gathered until the files have been quiet for a moment, and when the first of them came.</summary>
internal sealed record EventBatch(IReadOnlyList<FileEvent> Events, long FirstSeenTimestamp, bool Overflowed)
{
    public TimeSpan SinceFirstSeen => Stopwatch.GetElapsedTime(FirstSeenTimestamp);
}

/// <summary>
/// Watches folders for file events and hands them out in debounced batches: an editor's save (written in place, or
/// written to a temporary file and renamed over the source, several saves in a burst) becomes one batch once the
/// files have been quiet for <see cref="Quiet"/>. Events from ignored folders (bin/, obj/) never wake the compiler.
/// </summary>
internal sealed class FileEvents : IDisposable
{
    // An editor's save comes as events microseconds apart (a write in place, or a temporary file renamed over the
    // source); every millisecond here is on every save's path, which a patch makes a few tens of milliseconds long.
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

    /// <param name="quiet">How long the files must be quiet before a batch is handed out; <see cref="Quiet"/> unless a
    /// test needs a window that a loaded machine's scheduler can't split.</param>
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

    /// <summary>Puts events back, to be taken again after the next quiet period (a file was being written while read).</summary>
    public void Requeue(IEnumerable<FileEvent> events)
    {
        foreach (var e in events)
        {
            Add(e);
        }
    }

    /// <summary>Waits for events, then for the files to be quiet, and takes them all.</summary>
    public EventBatch? Take(CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            lock (_gate)
            {
                var hasEvents = _pending.Count > 0 || _overflowed;
                var quietFor = Stopwatch.GetElapsedTime(_lastSeen);
                if (hasEvents && quietFor >= _quiet)
                {
                    var batch = new EventBatch(_pending, _firstSeen, _overflowed);
                    _pending = [];
                    _overflowed = false;
                    return batch;
                }

                if (hasEvents)
                {
                    Monitor.Wait(_gate, _quiet - quietFor);
                }
                else
                {
                    Monitor.Wait(_gate); // until an event, or Wake
                }
            }
        }

        return null;
    }

    /// <summary>Wakes <see cref="Take"/> so it sees a cancellation.</summary>
    public void Wake()
    {
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    private void Add(FileEvent e)
    {
        if (!_isRelevant(e.Path) && (e.OldPath is null || !_isRelevant(e.OldPath)))
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
