using System.Text;

namespace HotReload.ProcessBench;

/// <summary>The `build` figure's Markdown: the overhead table, where the time goes, and the per-round ratios.</summary>
internal static class BuildReport
{
    public static string Describe(List<BuildSeries> series, List<string> diagnoses, string load)
    {
        var table = Report.Table(
            ["builds", "compiler server", "runs", "LiveReload=false median", "LiveReload=true median", "median ratio", "goal", "met",
             "CPU time false → true (median)", "copies compiled alongside"],
            series.Select(s => new[]
            {
                s.Name,
                s.Server ? "on (-p:UseSharedCompilation=true)" : "off",
                s.Ratios.Count.ToString(),
                Stats.Ms(Stats.Median(s.Off)) + " ms",
                Stats.Ms(Stats.Median(s.On)) + " ms",
                $"{s.MedianRatio:F3}x",
                $"≤ {s.Goal:F2}x",
                s.MedianRatio <= s.Goal ? "yes" : "**no**",
                s.OffCpu.Count == 0 ? "n/a" : $"{Stats.Median(s.OffCpu):F2} s → {Stats.Median(s.OnCpu):F2} s",
                s.Kind == BuildKind.Edit
                    ? $"{s.Alongside}/{s.OnOutputs.Count}"
                    : $"n/a ({s.Copies} copies made: {(s.Copies == 0 ? "a real no-op" : "NOT a no-op")})",
            }));

        var text = new StringBuilder(table).AppendLine();
        text.AppendLine("Wall time of the whole `dotnet build StateManipulation -p:LiveReload=…` process (with its implicit restore), "
            + "medians over the rounds; the ratio is taken per round (true/false of the same round), then its median. "
            + "One build of each kind first as warm-up, not counted. Edit builds change the constant in `state.Counter += N;` before each build. "
            + "CPU time: user + system time of the build's whole process tree (its compiler processes included; with the compiler "
            + "server on, the compiles run in the server and are not counted).");
        text.AppendLine();
        text.AppendLine(load);
        text.AppendLine();
        text.AppendLine(Report.Table(
            ["builds", "compiler server", "profiled pairs", "CoreCompile, LiveReload=false → true (median)", "HotReload.Sdk's own targets (median)"],
            series.Select(s => new[]
            {
                s.Name,
                s.Server ? "on" : "off",
                s.OnSdkTargets.Count.ToString(),
                $"{Stats.Ms(Stats.Median(s.OffCoreCompile))} ms → {Stats.Ms(Stats.Median(s.OnCoreCompile))} ms",
                $"{Stats.Ms(Stats.Median(s.OnSdkTargets))} ms",
            })));
        text.AppendLine($"Where the time goes: {series.Select(s => s.OnSdkTargets.Count).DefaultIfEmpty().Max()} more pairs of each kind, built with `-clp:PerformanceSummary` (not in the table above); "
            + "MSBuild's own time per target, summed over Common and StateManipulation. HotReload.Sdk's targets are all `_HotReload*` "
            + "targets (with LiveReload=true: starting the copy's compile before CoreCompile, waiting for it and publishing it after).");
        text.AppendLine();
        foreach (var s in series)
        {
            var wait = s.OnOutputs.Where(o => o.MadeCopy).Select(o => (double)o.MsAfterCompile).ToList();
            text.AppendLine($"- {s.Name}, server {(s.Server ? "on" : "off")}: ratios {string.Join(", ", s.Ratios.Select(r => r.ToString("F2")))}"
                + (wait.Count > 0 ? $"; the copy finished a median {Stats.Ms(Stats.Median(wait))} ms after the compile" : ""));
        }

        foreach (var diagnosis in diagnoses)
        {
            text.AppendLine().AppendLine(diagnosis);
        }

        return text.ToString();
    }
}
