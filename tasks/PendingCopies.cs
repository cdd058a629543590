using System.Collections.Concurrent;

namespace HotReload.Sdk.Tasks;

/// <summary>
/// Copies started before CoreCompile, waiting for the task after it. A project's targets run in one MSBuild node,
/// so a process-wide table keyed by the project's compiled assembly connects the two tasks.
/// </summary>
internal static class PendingCopies
{
    private static readonly ConcurrentDictionary<string, CopyJob> Jobs = new(StringComparer.Ordinal);

    public static void Add(string key, CopyJob job)
    {
        // A job left by an earlier build that failed or was cancelled (possible when MSBuild nodes are reused).
        if (Jobs.TryRemove(key, out var stale))
        {
            stale.Abandon();
        }

        Jobs[key] = job;
    }

    public static CopyJob? Take(string key) => Jobs.TryRemove(key, out var job) ? job : null;
}
