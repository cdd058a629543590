namespace HotReload.ProcessBench;

/// <summary>A counter value as printed by one process.</summary>
internal readonly record struct CounterLine(int ProcessId, long Value, TimeSpan At);

/// <summary>Reads counter lines out of a program's output, and finds where a new step shows.</summary>
internal sealed class CounterLines(Func<string, (int ProcessId, long Value)?> parse)
{
    public IEnumerable<CounterLine> In(IEnumerable<OutputLine> lines) =>
        lines.Select(l => parse(l.Text) is { } c ? new CounterLine(c.ProcessId, c.Value, l.At) : (CounterLine?)null)
            .OfType<CounterLine>();

    /// <summary>The first counter line at or after <paramref name="since"/> that is <paramref name="step"/> more than the
    /// line before it from the same process, and that line before it. The program prints, then steps: that difference
    /// means the frame that printed the line before has run the new code (earlier steps all differ from this one), so
    /// its line is the start of the first frame running the new code, and the first line showing it comes a frame later.</summary>
    public NewStep? FindNewStep(IEnumerable<OutputLine> lines, int step, TimeSpan since)
    {
        CounterLine? previous = null;
        foreach (var line in In(lines))
        {
            if (line.At >= since && previous is { } p && p.ProcessId == line.ProcessId && line.Value - p.Value == step)
            {
                return new NewStep(p, line);
            }

            previous = line;
        }

        return null;
    }
}

/// <summary>Where a new step shows in the output.</summary>
/// <param name="FirstFrame">The line printed by the first frame that ran the new code (it printed, then stepped by the new step).</param>
/// <param name="Shown">The next line, the first whose value shows the new step.</param>
internal readonly record struct NewStep(CounterLine FirstFrame, CounterLine Shown);
