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

    public string Path => _file.Name;

    /// <exception cref="IOException">Another process held the lock for longer than <paramref name="timeout"/>.</exception>
    public static CrossProcessLock Acquire(string path, TimeSpan timeout)
    {
        CreateFolderOf(path);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return Open(path, FileMode.OpenOrCreate);
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

    /// <summary>
    /// Creates the lock file and takes its lock, for a lock file only its creator ever creates. On Unix creating and
    /// locking are two steps: whoever relies on the file at <paramref name="path"/> being this lock must check it
    /// is still there once this returns (see <see cref="StagingFolder"/>).
    /// </summary>
    /// <exception cref="IOException">The file exists, is locked, or cannot be created.</exception>
    public static CrossProcessLock CreateNew(string path)
    {
        CreateFolderOf(path);
        return Open(path, FileMode.CreateNew);
    }

    /// <summary>Takes the lock of a lock file that exists and that no other process holds; null otherwise. Never creates one.</summary>
    public static CrossProcessLock? TryAcquireExisting(string path)
    {
        try
        {
            return Open(path, FileMode.Open);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Deletes the lock file, then releases the lock. On Unix the file is deleted while still locked: a process that
    /// opened it just before cannot lock it until it is gone, so it can tell (the file is missing) that it lost the
    /// race. On Windows a locked file cannot be deleted, and opening it is the lock, so there it is released first.
    /// </summary>
    public void DeleteFileAndRelease()
    {
        var path = Path;
        if (!OperatingSystem.IsWindows())
        {
            TryDeleteFile(path);
        }

        _file.Dispose();
        if (OperatingSystem.IsWindows())
        {
            TryDeleteFile(path);
        }
    }

    private static CrossProcessLock Open(string path, FileMode mode) =>
        new(new FileStream(path, mode, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));

    private static void CreateFolderOf(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // left behind: a lock file nobody holds, removed by the next prune
        }
    }

    private static bool IsMissingFolder(string path) => !Directory.Exists(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)));

    public void Dispose() => _file.Dispose();
}
