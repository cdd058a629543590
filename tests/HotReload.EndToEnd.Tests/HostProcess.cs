using System.Diagnostics;
using HotReload.Testing;

namespace HotReload.EndToEnd.Tests;

/// <summary>The sample host running as a real process, with xunit failures that show its last lines.</summary>
internal sealed class HostProcess(ProcessStartInfo start) : IDisposable
{
    private readonly RunningProcess _process = new(start);

    public bool HasExited => _process.HasExited;

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
