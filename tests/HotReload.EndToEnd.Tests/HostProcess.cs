using System.Diagnostics;
using HotReload.Testing;

namespace HotReload.EndToEnd.Tests;

/// <summary>The sample host running as a real process, with xunit failures that show its last lines.</summary>
internal sealed class HostProcess(ProcessStartInfo start) : IDisposable
{
    private readonly RunningProcess _process = new(start);

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    /// <summary>Waits until the warm compiler beside the host is ready, so a save from now on is compiled warm.</summary>
    public int WaitForCompiler() =>
        WaitFor(l => l.StartsWith("[hotreload] compiling ", StringComparison.Ordinal) && l.Contains(" on save", StringComparison.Ordinal),
            "the warm compiler to be ready", TimeSpan.FromMinutes(2));

    /// <summary>The processes the host started (Linux /proc), by PID.</summary>
    public IReadOnlyList<int> Children() => ChildrenOf(Id);

    public static IReadOnlyList<int> ChildrenOf(int pid)
    {
        var tasks = $"/proc/{pid}/task";
        return Directory.Exists(tasks)
            ? Directory.EnumerateDirectories(tasks)
                .Select(t => Path.Combine(t, "children"))
                .Where(File.Exists)
                .SelectMany(f => File.ReadAllText(f).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(int.Parse)
                .ToList()
            : [];
    }

    /// <summary>True while process <paramref name="pid"/> runs; a zombie (exited, not yet reaped) counts as gone.</summary>
    public static bool IsRunning(int pid)
    {
        var status = $"/proc/{pid}/status";
        try
        {
            return File.Exists(status) && !File.ReadAllLines(status).Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains('Z'));
        }
        catch (IOException)
        {
            return false; // it ended while being read
        }
    }

    /// <summary>Kills the host alone (SIGKILL), not its children, as a crash or `kill -9` would.</summary>
    public void KillHostOnly()
    {
        if (HasExited)
        {
            return;
        }

        using var process = Process.GetProcessById(Id);
        process.Kill(entireProcessTree: false);
        process.WaitForExit();
    }

    /// <summary>The shared clock its lines are stamped with.</summary>
    public TimeSpan Now => Clock.Now;

    public IReadOnlyList<OutputLine> Lines => _process.LinesFrom(0);

    /// <summary>Waits for a line to match; returns its index in <see cref="Lines"/>.</summary>
    public int WaitFor(Func<string, bool> match, string what, TimeSpan? timeout = null, int from = 0)
    {
        try
        {
            return _process.WaitFor(lines => IndexOf(lines, match) is { } i ? from + i : (int?)null, what, timeout ?? TimeSpan.FromSeconds(60), from);
        }
        catch (InvalidOperationException e)
        {
            Assert.Fail(e.Message);
            throw;
        }
    }

    public string Transcript() => _process.Transcript(60);

    private static int? IndexOf(OutputLine[] lines, Func<string, bool> match)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            if (match(lines[i].Text))
            {
                return i;
            }
        }

        return null;
    }

    public void Dispose() => _process.Dispose();
}
