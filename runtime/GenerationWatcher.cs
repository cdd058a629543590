namespace HotReload.Runtime;

/// <summary>
/// Raises a flag when a copy appears in the folder of copies, so the per-frame check is one field read. Uses the
/// operating system's file notifications, and follows the folder through deletion and re-creation (`dotnet clean`
/// while the host runs): a watch on the parent folder sees it come back, and a slow poll covers what notifications
/// miss (a watch that died with its folder raises no error on Linux, or the system ran out of watches).
/// </summary>
internal sealed class GenerationWatcher : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly string _root;
    private readonly Action _signal;
    private readonly Action _patched;
    private readonly FileSystemWatcher? _parent;
    private readonly Timer _poll;
    private readonly object _gate = new();
    private FileSystemWatcher? _watcher;
    private DateTime _lastSeenWrite;
    private bool _disposed;

    /// <param name="root">The folder of copies.</param>
    /// <param name="signal">A copy appeared (or the folder came back).</param>
    /// <param name="patched">A patch of a copy appeared (<see cref="CopyLayout.PatchPath"/>).</param>
    public GenerationWatcher(string root, Action signal, Action patched)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _signal = signal;
        _patched = patched;
        var parent = Path.GetDirectoryName(_root);
        if (parent is not null && Directory.Exists(parent))
        {
            _parent = new FileSystemWatcher(parent, Path.GetFileName(_root)) { NotifyFilter = NotifyFilters.DirectoryName, IncludeSubdirectories = false };
            _parent.Created += (_, _) => Rewatch();
            _parent.Renamed += (_, _) => Rewatch();
            _parent.Deleted += (_, _) => Rewatch();
            _parent.EnableRaisingEvents = true;
        }

        Rewatch();
        _poll = new Timer(_ => Poll(), null, PollInterval, PollInterval);
    }

    /// <summary>(Re)starts the watch on the folder as it is now; a folder that came back may hold copies already.</summary>
    private void Rewatch()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _watcher?.Dispose();
            _watcher = null;
            if (Directory.Exists(_root))
            {
                try
                {
                    var watcher = new FileSystemWatcher(_root) { NotifyFilter = NotifyFilters.DirectoryName | NotifyFilters.FileName, IncludeSubdirectories = true };
                    watcher.Created += OnChanged;
                    watcher.Renamed += OnChanged;
                    watcher.Error += (_, _) => Rewatch();
                    watcher.EnableRaisingEvents = true;
                    _watcher = watcher;
                }
                catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
                {
                    // gone again, or out of watches: the poll goes on
                }

                _lastSeenWrite = Directory.GetLastWriteTimeUtc(_root);
            }
        }

        _signal();
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        // Staging folders (".staging-...") are not copies yet; their rename to a number is what counts.
        // Patches are renamed into place in their copy's folder, one level down.
        if (CopyLayout.TryParseGeneration(e.Name ?? "", out _))
        {
            _signal();
        }
        else if (CopyLayout.TryParsePatch(Path.GetFileName(e.Name ?? ""), out _))
        {
            _patched();
        }
    }

    // A missed notification costs at most one poll interval.
    private void Poll()
    {
        bool rewatch, changed;
        lock (_gate)
        {
            var exists = Directory.Exists(_root);
            var write = exists ? Directory.GetLastWriteTimeUtc(_root) : default;
            rewatch = exists && _watcher is null;
            changed = write != _lastSeenWrite;
            _lastSeenWrite = write;
        }

        if (rewatch)
        {
            Rewatch();
        }
        else if (changed)
        {
            _signal();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _watcher?.Dispose();
            _parent?.Dispose();
            _poll.Dispose();
        }
    }
}
