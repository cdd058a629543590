using System.Text;

namespace HotReload.ProcessBench;

/// <summary>The edits of one kind made to one program.</summary>
/// <param name="Judged">The row is held to the goals (ours, compiling on save).</param>
internal sealed record EditRow(string Tool, string Edit, List<EditResult> Results, bool Judged);

/// <summary>Saves that did not compile, and the saves that fixed them, made to one program.</summary>
internal sealed record ErrorRow(string Tool, List<ErrorResult> Errors, List<EditResult> Fixes, bool Judged);

/// <summary>The edit figure's tables: edit to effect, and save to compile error shown, each beside its goal.</summary>
internal static class EditReport
{
    public const double EditGoalP50 = 100, EditGoalP90 = 150, ErrorGoal = 150;

    public static string Describe(List<EditRow> edits, List<ErrorRow> errors, List<string> notes)
    {
        var text = new StringBuilder();
        text.AppendLine("## Edit to effect").AppendLine();
        text.AppendLine(Report.Table(
            ["tool", "edit", "runs", "save → first new frame p50", "p90", "goal p50 ≤ 100, p90 ≤ 150, state kept", "save → line showing it p50", "p90",
             "host's split p50: debounce / compile / load / frame wait (/ migrate)", "save → tool's message p50", "process restarted", "counter kept"],
            edits.Select(r => new[]
            {
                r.Tool,
                r.Edit,
                r.Results.Count.ToString(),
                Ms(r.Results.Select(x => x.SaveToNewFrame)),
                Ms(r.Results.Select(x => x.SaveToNewFrame), 90),
                r.Judged ? EditGoal(r.Results) : "—",
                Ms(r.Results.Select(x => x.SaveToShown)),
                Ms(r.Results.Select(x => x.SaveToShown), 90),
                Split(r.Results),
                Ms(r.Results.Select(x => x.SaveToToolMessage).OfType<double>()),
                $"{r.Results.Count(x => x.Restarted)}/{r.Results.Count}",
                $"{r.Results.Count(x => x.KeptCounter)}/{r.Results.Count}",
            })));

        if (errors.Count > 0)
        {
            AppendErrors(text, errors);
        }

        text.AppendLine("\"First new frame\": both programs print the counter, then step it, every 50 ms; the first line whose counter is the "
            + "new step more than the line before it shows the new code, and the line before it was printed by the first frame that ran "
            + "the new code (it printed, then stepped by the new step). Save → first new frame is the time to that earlier line; save → line "
            + "showing it (the figure before this issue) is one frame more. Both include the wait for the next frame: saves are made at a "
            + "point of the 50 ms frame 500 to 550 ms after the last edit showed, an edit kind's runs spread evenly over the frame (in a "
            + "seeded order, the same for every tool), so that wait is anything from 0 to 50 ms and each kind's median is that of a save "
            + "at any moment. "
            + "Percentiles interpolate between the closest ranks. The host's split is from its `generation N live · T ms (debounce, compile, "
            + "load, wait)` line: its clock starts at the warm compiler's first file event, so it leaves out the file watcher's delay and "
            + "the printing. The error time is to the first line in the compiler's format (`path(line,col): error CS0029: ...`); ours "
            + "prints it from the host's thread at the start of a frame, so it too includes the frame wait. After each error the next save "
            + "fixes it, timed like an edit.");
        text.AppendLine();
        foreach (var note in notes)
        {
            text.AppendLine("- " + note);
        }

        return text.ToString();
    }

    private static void AppendErrors(StringBuilder text, List<ErrorRow> errors)
    {
        text.AppendLine("## Save to compile error shown").AppendLine();
        text.AppendLine(Report.Table(
            ["tool", "runs", "save → first `error CS` line p50", "p90", "goal ≤ 150 (p90)", "save of the fix → first new frame p50", "p90", "process restarted", "counter kept"],
            errors.Select(r => new[]
            {
                r.Tool,
                r.Errors.Count.ToString(),
                Ms(r.Errors.Select(x => x.SaveToError)),
                Ms(r.Errors.Select(x => x.SaveToError), 90),
                r.Judged ? Met(Stats.Percentile(r.Errors.Select(x => x.SaveToError), 90) <= ErrorGoal) : "—",
                Ms(r.Fixes.Select(x => x.SaveToNewFrame)),
                Ms(r.Fixes.Select(x => x.SaveToNewFrame), 90),
                $"{r.Fixes.Count(x => x.Restarted)}/{r.Fixes.Count}",
                $"{r.Fixes.Count(x => x.KeptCounter)}/{r.Fixes.Count}",
            })));
    }

    /// <summary>p50 and p90 of the values, "n/a" when there are none.</summary>
    public static string Ms(IEnumerable<double> values, double percent = 50)
    {
        var list = values.ToList();
        return list.Count == 0 ? "n/a" : Stats.Ms(Stats.Percentile(list, percent)) + " ms";
    }

    public static string Met(bool met) => met ? "met" : "**not met**";

    /// <summary>The edit goal: p50 ≤ 100 ms, p90 ≤ 150 ms to the first new frame, and the counter kept every time.</summary>
    public static string EditGoal(List<EditResult> results)
    {
        var times = results.Select(x => x.SaveToNewFrame).ToList();
        return Met(Stats.Median(times) <= EditGoalP50 && Stats.Percentile(times, 90) <= EditGoalP90 && results.All(x => x.KeptCounter && !x.Restarted));
    }

    /// <summary>The host's split, p50 of each part; the build's exit for a copy made by `dotnet build`.</summary>
    public static string Split(List<EditResult> results)
    {
        var splits = results.Select(x => SaveSplit.Parse(x.ToolMessage)).OfType<SaveSplit>().ToList();
        if (splits.Count > 0)
        {
            var parts = new Func<SaveSplit, double>[] { s => s.Debounce, s => s.Compile, s => s.Load, s => s.Wait };
            var migrates = splits.Select(s => s.Migrate).Where(v => !double.IsNaN(v)).ToList();
            return string.Join(" / ", parts.Select(p => Stats.Ms(Stats.Median(splits.Select(p).Where(v => !double.IsNaN(v))))))
                + (migrates.Count > 0 ? $" / {Stats.Median(migrates):F1}" : "")
                + (splits.Count < results.Count ? $" ({splits.Count} of {results.Count} saves)" : "");
        }

        var builds = results.Select(x => x.SaveToBuildExit).OfType<double>().ToList();
        return builds.Count > 0 ? $"`dotnet build` exits at {Ms(builds)}" : "n/a";
    }
}
