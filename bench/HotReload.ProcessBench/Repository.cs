using System.Diagnostics;
using System.Reflection;

namespace HotReload.ProcessBench;

/// <summary>Paths in the repository this driver was built from, and which revision of it the figures measure.</summary>
internal static class Repository
{
    // What the driver packs (sdk, tasks, compiler, diagnosis, runtime) and copies (sample): changes elsewhere do not matter.
    private static readonly string[] MeasuredFolders = ["sdk", "tasks", "compiler", "diagnosis", "runtime", "sample"];

    public static string Root { get; } = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public static string Results => Path.Combine(Root, "bench", "results");

    /// <summary>"commit abc1234", and the files of the measured folders that differ from it (other people may be
    /// editing the tree while the figures run), or "?" without git.</summary>
    public static string Revision()
    {
        var commit = Git("rev-parse", "--short", "HEAD")?.Trim();
        if (string.IsNullOrEmpty(commit))
        {
            return "?";
        }

        var changed = Git(["status", "--porcelain", "--", .. MeasuredFolders])?
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[3..].Trim()).ToList() ?? [];
        return changed.Count == 0
            ? $"commit {commit}"
            : $"commit {commit} with uncommitted changes in {string.Join(", ", changed.Take(5))}{(changed.Count > 5 ? $" and {changed.Count - 5} more" : "")}";
    }

    private static string? Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var git = Process.Start(start)!;
            var output = git.StandardOutput.ReadToEnd();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on this machine
        }
    }
}
