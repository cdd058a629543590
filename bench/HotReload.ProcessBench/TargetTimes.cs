using System.Text.RegularExpressions;

namespace HotReload.ProcessBench;

/// <summary>The "Target Performance Summary" of a build run with -clp:PerformanceSummary: milliseconds per target,
/// summed over the projects. Less noisy than the whole build's wall time, because it leaves out process start,
/// restore and evaluation.</summary>
internal sealed partial class TargetTimes
{
    private readonly Dictionary<string, double> _milliseconds = [];

    private TargetTimes()
    {
    }

    public double this[string target] => _milliseconds.GetValueOrDefault(target);

    /// <summary>All of HotReload.Sdk's own targets (their names start with _HotReload).</summary>
    public double HotReloadTargets => _milliseconds.Where(t => t.Key.StartsWith("_HotReload", StringComparison.Ordinal)).Sum(t => t.Value);

    public static TargetTimes Parse(string output)
    {
        var times = new TargetTimes();
        var start = output.IndexOf("Target Performance Summary:", StringComparison.Ordinal);
        var end = output.IndexOf("Task Performance Summary:", StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            throw new InvalidOperationException("The build printed no target performance summary.");
        }

        foreach (Match m in SummaryLine().Matches(output[start..end]))
        {
            var name = m.Groups[2].Value;
            times._milliseconds[name] = times[name] + double.Parse(m.Groups[1].Value);
        }

        return times;
    }

    [GeneratedRegex(@"^\s*(\d+) ms\s+(\S+)\s+\d+ calls", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
