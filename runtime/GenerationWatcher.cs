namespace HotReload.Runtime;

/// <summary>
/// Raises a flag when anything changes in the folder of copies, so the per-frame check is one field read.
/// Uses the operating system's file notifications; if they fail (for example, out of inotify watches), it falls
/// back to a background poll.
/// </summary>
internal sealed class GenerationWatcher : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly string _root;
    private readonly Action _signal;
    private readonly FileSystemWatcher _watcher;
    private Timer? _poll;
    private DateTime _lastSeenWrite;

    public GenerationWatcher(string root, Action signal)
    {
        _root = root;
        _signal = signal;
        _watcher = new FileSystemWatcher(root)
        {
            NotifyFilter = NotifyFilters.DirectoryName | NotifyFilters.FileName,
            IncludeSubdirectories = false,
        };
        _watcher.Created += OnChanged;
        _watcher.Renamed += OnChanged;
        _watcher.Error += (_, _) => StartPolling();
        _watcher.EnableRaisingEvents = true;
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        // Staging folders (".staging-...") are not copies yet; their rename to a number is what counts.
        if (CopyLayout.TryParseGeneration(e.Name ?? "", out _))
        {
            _signal();
        }
    }

    private void StartPolling()
    {
        _lastSeenWrite = Directory.GetLastWriteTimeUtc(_root);
        _poll ??= new Timer(_ =>
        {
            var write = Directory.Exists(_root) ? Directory.GetLastWriteTimeUtc(_root) : default;
            if (write != _lastSeenWrite)
            {
                _lastSeenWrite = write;
                _signal();
            }
        }, null, PollInterval, PollInterval);
        _signal();
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _poll?.Dispose();
    }
}
