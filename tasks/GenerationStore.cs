using System.Globalization;

namespace HotReload.Sdk.Tasks;

/// <summary>
/// The folder of numbered copies (<c>bin/reloaded/N/</c>). Owns the numbering, the staging folder and the
/// atomic publish, and pruning, for every writer: the MSBuild task and the warm compiler a running host starts (both
/// compile this file). Numbers only ever grow: the last number handed out is remembered in a counter file, and
/// numbers are handed out under a lock that works across processes, so two writers never share a number.
/// </summary>
internal sealed class GenerationStore
{
    // Long enough for any other writer's reservation (a few file operations), short enough to report a stuck one.
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private readonly string _root;
    private readonly string _counterFile;

    public GenerationStore(string root, string counterFile)
    {
        _root = Path.GetFullPath(root);
        _counterFile = Path.GetFullPath(counterFile);
    }

    public string Root => _root;

    public string FolderOf(int generation) => Path.Combine(_root, generation.ToString(CultureInfo.InvariantCulture));

    /// <summary>Numbers of the published copies, highest first.</summary>
    public IReadOnlyList<int> PublishedGenerations() => List().Published;

    /// <summary>
    /// Folders in the folder of copies that are not copies, in name order: never loaded, numbered after or pruned.
    /// Staging folders are the store's own and not among them; files are never copies and not looked at.
    /// </summary>
    public IReadOnlyList<string> SkippedFolders() => List().Skipped;

    /// <summary>The code of <see cref="SkippedFoldersReport"/>: a warning of the build, an info line of the warm compiler.</summary>
    public const string SkippedFoldersCode = "HR1011";

    /// <summary>What <see cref="SkippedFolders"/> found, as one line without its code; null when it found none.</summary>
    public string? SkippedFoldersReport() => SkippedFolders() is { Count: > 0 } skipped
        ? $"The folder of copies '{_root}' holds folders that are not copy numbers, skipped (never loaded, numbered after or pruned): {string.Join(", ", skipped)}. Move them out of the folder of copies."
        : null;

    /// <summary>
    /// The number the next copy would get: one more than both the highest folder and the last number handed out.
    /// </summary>
    /// <exception cref="CopyNumbersExhaustedException">That number would not fit (HR1010).</exception>
    public int NextGeneration()
    {
        var listing = List();
        if (listing.BeyondRange is [var beyond, ..])
        {
            throw CopyNumbersExhaustedException.Folder(Path.Combine(_root, beyond));
        }

        var highest = listing.Published.Count > 0 ? listing.Published[0] : 0;
        var counter = ReadCounter();
        if (highest == CopyLayout.MaxGeneration)
        {
            throw CopyNumbersExhaustedException.Folder(FolderOf(highest));
        }

        if (counter == CopyLayout.MaxGeneration)
        {
            throw CopyNumbersExhaustedException.Counter(_counterFile, counter.ToString(CultureInfo.InvariantCulture));
        }

        return Math.Max(highest, counter) + 1;
    }

    private sealed record Listing(IReadOnlyList<int> Published, IReadOnlyList<string> BeyondRange, IReadOnlyList<string> Skipped);

    private Listing List()
    {
        var published = new List<int>();
        var beyondRange = new List<string>();
        var skipped = new List<string>();
        if (Directory.Exists(_root))
        {
            foreach (var directory in Directory.EnumerateDirectories(_root))
            {
                var name = Path.GetFileName(directory);
                switch (CopyLayout.Classify(name, out var number))
                {
                    case CopyLayout.FolderKind.Copy:
                        published.Add(number);
                        break;
                    case CopyLayout.FolderKind.NumberBeyondRange:
                        beyondRange.Add(name);
                        break;
                    case CopyLayout.FolderKind.Other:
                        skipped.Add(name);
                        break;
                }
            }
        }

        published.Sort((a, b) => b.CompareTo(a));
        beyondRange.Sort(StringComparer.Ordinal);
        skipped.Sort(StringComparer.Ordinal);
        return new Listing(published, beyondRange, skipped);
    }

    /// <summary>
    /// Hands out the next number, for a copy whose compile is about to start: no other writer, in this process or
    /// another, gets it. A number whose copy is never published (a failed or abandoned compile) is simply skipped.
    /// </summary>
    public int ReserveNext()
    {
        using var _ = AcquireLock();
        var next = NextGeneration();
        WriteCounter(next);
        return next;
    }

    /// <summary>
    /// Reserves <paramref name="generation"/> if it is still the next number: for a copy compiled before its number
    /// was reserved (the warm compiler), so that a failed compile uses up no number. False when another writer took
    /// it meanwhile; the caller compiles again with <see cref="NextGeneration"/>.
    /// </summary>
    public bool TryReserve(int generation)
    {
        using var _ = AcquireLock();
        if (NextGeneration() != generation)
        {
            return false;
        }

        WriteCounter(generation);
        return true;
    }

    /// <summary>
    /// Gives back a reserved number whose copy will never be published (an abandoned compile), if no later number was
    /// reserved meanwhile: numbers stay dense in the usual case, and still never go back past one another writer holds.
    /// </summary>
    public void Unreserve(int generation)
    {
        using var _ = AcquireLock();
        // Compared as text: a counter past the range (HR1010) is simply not this number.
        if (ReadCounterText() == generation.ToString(CultureInfo.InvariantCulture) && !Directory.Exists(FolderOf(generation)))
        {
            WriteCounter(generation - 1);
        }
    }

    private CrossProcessLock AcquireLock() => CrossProcessLock.Acquire(_counterFile + ".lock", LockTimeout);

    /// <summary>
    /// A new, empty folder beside the published ones, so that publishing is a rename on one file system. The caller
    /// holds it (disposes it when done): until then no prune deletes it, and disposing it unpublished deletes it.
    /// </summary>
    public StagingFolder CreateStagingFolder() => StagingFolder.Create(_root);

    /// <summary>
    /// Renames the staging folder to its reserved number, so a reader sees either no folder or a complete one, and
    /// ends the writer's hold on it. A folder of that number can only be there if something outside the store wrote it.
    /// </summary>
    public void Publish(StagingFolder staging, int generation)
    {
        var target = FolderOf(generation);
        if (Directory.Exists(target))
        {
            throw new IOException($"'{target}' already exists although number {generation} was reserved for this copy; something other than HotReload.Sdk writes this folder.");
        }

        Directory.Move(staging.Path, target);
        staging.Dispose();
    }

    /// <summary>
    /// Publishes patch <paramref name="number"/> of copy <paramref name="generation"/> (<see cref="CopyLayout.PatchPath"/>):
    /// written beside it under a temporary name, then renamed, so a host sees all of it or nothing. Patches of one copy are
    /// numbered from 1 without gaps by the one compiler that makes them; the rename refuses a number already there.
    /// </summary>
    public void PublishPatch(int generation, int number, Action<Stream> write)
    {
        var target = Path.Combine(_root, CopyLayout.PatchPath(generation, number));
        var temporary = Path.Combine(FolderOf(generation), CopyLayout.StagingPrefix + Guid.NewGuid().ToString("N") + CopyLayout.PatchExtension);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
            }

            File.Move(temporary, target, overwrite: false);
        }
        finally
        {
            File.Delete(temporary); // gone already once moved
        }
    }

    /// <summary>How many patches copy <paramref name="generation"/> has: 1, 2, ... up to the first number missing.</summary>
    public int PublishedPatches(int generation)
    {
        var count = 0;
        while (File.Exists(Path.Combine(_root, CopyLayout.PatchPath(generation, count + 1))))
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// Deletes all but the newest <paramref name="keep"/> copies, and what writers that died left (see
    /// <see cref="RemoveAbandonedStaging"/>).
    /// </summary>
    public IReadOnlyList<string> Prune(int keep, Action<string, Exception> onFailure)
    {
        keep = Math.Max(1, keep);
        var deleted = new List<string>();
        var published = PublishedGenerations();
        foreach (var generation in published.Skip(keep))
        {
            TryDelete(FolderOf(generation), deleted, onFailure);
        }

        deleted.AddRange(RemoveAbandonedStaging(onFailure));
        return deleted;
    }

    /// <summary>
    /// Deletes the staging folders whose writer is gone (a killed build or compiler): at once, since a live writer
    /// holds its folder's lock. Staging folders other writers are filling right now are left alone.
    /// </summary>
    public IReadOnlyList<string> RemoveAbandonedStaging(Action<string, Exception> onFailure)
    {
        var deleted = new List<string>();
        StagingFolder.RemoveAbandoned(_root, deleted, onFailure);
        return deleted;
    }

    /// <summary>The last number handed out; 0 when none was (or the file is unreadable or not a number).</summary>
    /// <exception cref="CopyNumbersExhaustedException">It holds a number past <see cref="CopyLayout.MaxGeneration"/> (HR1010).</exception>
    private int ReadCounter()
    {
        var text = ReadCounterText();
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }

        return CopyLayout.IsDecimalBeyondRange(text) ? throw CopyNumbersExhaustedException.Counter(_counterFile, text) : 0;
    }

    private string ReadCounterText()
    {
        try
        {
            return File.Exists(_counterFile) ? File.ReadAllText(_counterFile).Trim() : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private void WriteCounter(int generation)
    {
        var directory = Path.GetDirectoryName(_counterFile);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(_counterFile, generation.ToString(CultureInfo.InvariantCulture));
    }

    private static void TryDelete(string folder, List<string> deleted, Action<string, Exception> onFailure)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
            deleted.Add(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            onFailure(folder, e);
        }
    }
}
