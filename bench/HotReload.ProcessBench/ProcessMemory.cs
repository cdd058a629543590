namespace HotReload.ProcessBench;

/// <summary>Linux /proc readings of other processes: resident memory, and a child process found by its command line.</summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS of a process in bytes: the memory it has in RAM now (what `top` shows as RES).</summary>
    public static long ResidentBytes(int processId)
    {
        foreach (var line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                // "VmRSS:     123456 kB"
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{processId}/status has no VmRSS line.");
    }

    /// <summary>The first child of <paramref name="parentId"/> whose command line contains <paramref name="commandPart"/>.</summary>
    public static int? ChildRunning(int parentId, string commandPart)
    {
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var id))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                // The parent id is the second field after the command name in parentheses (which may hold spaces).
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
                if (parent == parentId && File.ReadAllText(Path.Combine(folder, "cmdline")).Contains(commandPart, StringComparison.Ordinal))
                {
                    return id;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the process ended while we looked
            }
        }

        return null;
    }

    public static string Megabytes(long bytes) => (bytes / 1024.0 / 1024.0).ToString("F1") + " MB";
}
