namespace HotReload.ProcessBench;

/// <summary>The run's temporary folder under /tmp (workspaces, feed, NuGet package folder), deleted at the end.</summary>
internal sealed class Scratch : IDisposable
{
    public Scratch()
    {
        Root = Path.Combine(Path.GetTempPath(), "hr-processbench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
        // Stop MSBuild from picking up a Directory.Build.props/targets from a folder above (/tmp is shared).
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />");
        // Ctrl+C: still remove the folder (the child processes die with the console's signal).
        Console.CancelKeyPress += (_, _) => Dispose();
    }

    public string Root { get; }

    /// <summary>The run's own NuGet package folder: no package extracted by an earlier pack is ever used.</summary>
    public string PackagesFolder => Path.Combine(Root, "packages");

    /// <summary>A new empty folder for one workspace.</summary>
    public string NewFolder(string name)
    {
        var folder = Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    public void Dispose() => DeleteFolder(Root);

    public static void DeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Could not delete {folder}: {e.Message}");
        }
    }
}
