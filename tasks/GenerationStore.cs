using System.Globalization;

namespace HotReload.Sdk.Tasks;

/// <summary>
/// The folder of numbered copies (<c>bin/reloaded/N/</c>). Owns the numbering, the staging folder and the
/// atomic publish, and pruning. Numbers only ever grow: the last number handed out is remembered in a
/// counter file, so deleting the newest folder never lets two builds share a number.
/// </summary>
internal sealed class GenerationStore
{
    private readonly string _root;
    private readonly string _counterFile;

    public GenerationStore(string root, string counterFile)
    {
        _root = Path.GetFullPath(root);
        _counterFile = counterFile;
    }

    public string Root => _root;

    public string FolderOf(int generation) => Path.Combine(_root, generation.ToString(CultureInfo.InvariantCulture));

    /// <summary>Numbers of the published copies, highest first.</summary>
    public IReadOnlyList<int> PublishedGenerations()
    {
        if (!Directory.Exists(_root))
        {
            return [];
        }

        var numbers = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories(_root))
        {
            if (CopyLayout.TryParseGeneration(Path.GetFileName(directory), out var number))
            {
                numbers.Add(number);
            }
        }

        numbers.Sort((a, b) => b.CompareTo(a));
        return numbers;
    }

    /// <summary>The number the next copy gets: one more than both the highest folder and the last number handed out.</summary>
    public int NextGeneration()
    {
        var published = PublishedGenerations();
        var highest = published.Count > 0 ? published[0] : 0;
        return Math.Max(highest, ReadCounter()) + 1;
    }

    /// <summary>A new, empty folder beside the published ones, so that publishing is a rename on one file system.</summary>
    public string CreateStagingFolder()
    {
        var staging = Path.Combine(_root, CopyLayout.StagingPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        return staging;
    }

    /// <summary>
    /// Renames the staging folder to its number, so a reader sees either no folder or a complete one.
    /// The number is baked into the assembly name, so a folder that appeared meanwhile (another build of the
    /// same project at the same moment) is an error rather than a reason to pick another number.
    /// </summary>
    public void Publish(string stagingFolder, int generation)
    {
        var target = FolderOf(generation);
        if (Directory.Exists(target))
        {
            throw new IOException($"'{target}' appeared while this build was compiling it; is another build of this project running?");
        }

        Directory.Move(stagingFolder, target);
        WriteCounter(generation);
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> copies, and staging folders left by killed builds.</summary>
    public IReadOnlyList<string> Prune(int keep, Action<string, Exception> onFailure)
    {
        keep = Math.Max(1, keep);
        var deleted = new List<string>();
        var published = PublishedGenerations();
        foreach (var generation in published.Skip(keep))
        {
            TryDelete(FolderOf(generation), deleted, onFailure);
        }

        if (Directory.Exists(_root))
        {
            foreach (var staging in Directory.EnumerateDirectories(_root, CopyLayout.StagingPrefix + "*"))
            {
                // A staging folder touched within the last minute may belong to a build running right now.
                if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(staging) > TimeSpan.FromMinutes(1))
                {
                    TryDelete(staging, deleted, onFailure);
                }
            }
        }

        return deleted;
    }


    private int ReadCounter()
    {
        try
        {
            return File.Exists(_counterFile)
                && int.TryParse(File.ReadAllText(_counterFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n
                : 0;
        }
        catch (IOException)
        {
            return 0;
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
