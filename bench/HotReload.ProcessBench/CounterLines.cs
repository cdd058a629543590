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
    /// line before it from the same process. The program prints, then steps: that difference means a frame has run the
    /// new code (earlier steps are all different from this one).</summary>
    public CounterLine? NewStep(IEnumerable<OutputLine> lines, int step, TimeSpan since)
    {
        CounterLine? previous = null;
        foreach (var line in In(lines))
        {
            if (line.At >= since && previous is { } p && p.ProcessId == line.ProcessId && line.Value - p.Value == step)
            {
                return line;
            }

            previous = line;
        }

        return null;
    }
}
