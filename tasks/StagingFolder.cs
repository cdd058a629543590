namespace HotReload.Sdk.Tasks;

/// <summary>
/// A copy being written (<c>.staging-X/</c>, renamed to its number when complete), and the proof that its writer is
/// still at work: the writer holds the operating system lock of <c>.staging-X.lock</c>, beside the folder, from before
/// the folder exists until it is published or deleted. A writer that dies (a killed build, a killed host's compiler)
/// loses the lock with its process, so a prune can remove what it left at once, and never a folder still being filled,
/// whatever the clocks say. The lock file is beside the folder, not in it, so the rename to the number never carries it.
/// </summary>
internal sealed class StagingFolder : IDisposable
{
    private const string LockSuffix = ".lock";

    // Staging folders without a lock file are older SDKs' (this one creates the lock first): they are left alone while
    // their writer might still be filling them.
    private static readonly TimeSpan UnlockedGrace = TimeSpan.FromMinutes(1);

    private CrossProcessLock? _lock;

    private StagingFolder(string path, CrossProcessLock held)
    {
        Path = path;
        _lock = held;
    }

    public string Path { get; }

    /// <summary>A new, empty staging folder in <paramref name="root"/>, locked by this writer until disposed.</summary>
    /// <exception cref="IOException">The folder or its lock file could not be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or its lock file could not be created.</exception>
    public static StagingFolder Create(string root)
    {
        for (var attempt = 1; ; attempt++)
        {
            var path = System.IO.Path.Combine(root, CopyLayout.StagingPrefix + Guid.NewGuid().ToString("N"));
            CrossProcessLock held;
            try
            {
                held = CrossProcessLock.CreateNew(path + LockSuffix);
            }
            catch (IOException) when (attempt < 3)
            {
                continue; // a prune held it in the instant between creating and locking it: take another name
            }

            // On Unix a prune may have locked and deleted the new lock file (as one without its folder) between its
            // creation and this writer's lock. Only this writer ever creates this name, so a missing file means that.
            if (!File.Exists(path + LockSuffix))
            {
                held.Dispose();
                if (attempt < 3)
                {
                    continue;
                }

                throw new IOException($"Could not create a staging folder in '{root}': its lock file kept being removed.");
            }

            try
            {
                Directory.CreateDirectory(path);
            }
            catch
            {
                held.DeleteFileAndRelease();
                throw;
            }

            return new StagingFolder(path, held);
        }
    }

    /// <summary>
    /// Ends the writer's hold: deletes the folder if it is still here (not published: a failed or abandoned compile),
    /// then releases the lock and deletes the lock file. A folder that cannot be deleted keeps its lock file, so the
    /// next prune removes it as soon as it can.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _lock, null) is not { } held)
        {
            return;
        }

        if (TryDeleteFolder(Path, out _, out _))
        {
            held.DeleteFileAndRelease();
        }
        else
        {
            held.Dispose();
        }
    }

    /// <summary>Deletes the staging folders in <paramref name="root"/> whose writer is gone, and lock files left without a folder.</summary>
    public static void RemoveAbandoned(string root, List<string> deleted, Action<string, Exception> onFailure)
    {
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var folder in Directory.EnumerateDirectories(root, CopyLayout.StagingPrefix + "*"))
        {
            var lockFile = folder + LockSuffix;
            if (!File.Exists(lockFile))
            {
                if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(folder) > UnlockedGrace)
                {
                    Delete(folder, deleted, onFailure);
                }

                continue;
            }

            using var held = CrossProcessLock.TryAcquireExisting(lockFile);
            if (held is not null && Delete(folder, deleted, onFailure))
            {
                held.DeleteFileAndRelease();
            }
        }

        foreach (var lockFile in Directory.EnumerateFiles(root, CopyLayout.StagingPrefix + "*" + LockSuffix))
        {
            var folder = lockFile[..^LockSuffix.Length];
            if (Directory.Exists(folder))
            {
                continue; // its folder is still being written, or could not be deleted above
            }

            // A writer creates its folder only once it holds this lock, so a lock taken here with no folder is a
            // writer's that died before creating it, or one a prune could not delete: no writer is using it.
            using var held = CrossProcessLock.TryAcquireExisting(lockFile);
            if (held is not null && !Directory.Exists(folder))
            {
                held.DeleteFileAndRelease();
            }
        }
    }

    private static bool Delete(string folder, List<string> deleted, Action<string, Exception> onFailure)
    {
        if (!TryDeleteFolder(folder, out var wasThere, out var error))
        {
            onFailure(folder, error!);
            return false;
        }

        if (wasThere)
        {
            deleted.Add(folder);
        }

        return true;
    }

    /// <summary>True when the folder is gone: deleted here, or not there any more.</summary>
    private static bool TryDeleteFolder(string folder, out bool wasThere, out Exception? error)
    {
        wasThere = true;
        error = null;
        try
        {
            Directory.Delete(folder, recursive: true);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            wasThere = false; // published, or removed by another prune
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = e;
            return false;
        }
    }
}
