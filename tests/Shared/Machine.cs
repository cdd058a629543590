namespace HotReload.Testing;

/// <summary>Linux /proc readings that put the wall times in context: how busy the machine was, and how much CPU a
/// child process tree used. Null where /proc is missing.</summary>
internal static class Machine
{
    // /proc reports times in USER_HZ ticks, which is 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>The 1, 5 and 15 minute load averages.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>User + system CPU time of all this process's children that have exited and been waited for, and of
    /// their own waited-for children: after `dotnet build` exits, this grew by the CPU time of the build, its
    /// MSBuild nodes and its compiler processes (not of a compiler server, which outlives the build).</summary>
    public static TimeSpan? ChildrenCpuTime()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            // Fields after the command name in parentheses (which may hold spaces); cutime and cstime are fields 16 and 17.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return TimeSpan.FromSeconds((long.Parse(fields[13]) + long.Parse(fields[14])) / TicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
