namespace HotReload.Sdk.Tasks;

/// <summary>
/// An exclusive lock shared by every process that writes one folder of copies: MSBuild nodes of concurrent builds
/// (an IDE and a terminal) and the warm compiler a running host starts. A file opened with <see cref="FileShare.None"/>
/// is locked by the operating system (flock on Unix), so the lock goes away with a process that dies holding it.
/// </summary>
internal sealed class CrossProcessLock : IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(5);

    private readonly FileStream _file;

    private CrossProcessLock(FileStream file) => _file = file;

    /// <exception cref="IOException">Another process held the lock for longer than <paramref name="timeout"/>.</exception>
    public static CrossProcessLock Acquire(string path, TimeSpan timeout)
    {
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new CrossProcessLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline && !IsMissingFolder(path))
            {
                Thread.Sleep(RetryDelay);
            }
        }
    }

    /// <summary>Takes the lock if no other process holds it; null otherwise.</summary>
    public static CrossProcessLock? TryAcquire(string path)
    {
        try
        {
            return Acquire(path, TimeSpan.Zero);
        }
        catch (IOException) when (!IsMissingFolder(path))
        {
            return null;
        }
    }

    private static bool IsMissingFolder(string path) => !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path)));

    public void Dispose() => _file.Dispose();
}
