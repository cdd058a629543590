using System.Text;

namespace HotReload.ProcessBench;

/// <summary>
/// Figure `patch`: save to the first new frame (50 ms frames) at 1,000, 10,000 and 50,000 generated lines, for saves
/// written in place and saves through a rename, in one run: ours patching method bodies into the live generation (the
/// host started with <c>DOTNET_MODIFIABLE_ASSEMBLIES=debug</c>, as <c>dotnet run</c> does through the sample's
/// launchSettings.json), ours making a full copy of every save (the host started without it), and `dotnet watch`.
/// Edits: (a) a body, (i) an added method, (j) a lambda's body, (k) a new file, and (b) a signature, which ours makes a
/// full copy. Goals (issue 15): the patchable edits p50 ≤ 60 ms and p90 ≤ 100 ms at every size and in both styles,
/// ahead of `dotnet watch`; a new file live within 150 ms.
/// </summary>
internal sealed class PatchFigure(Scratch scratch, PackageFeed feed, Options options)
{
    private static readonly EditKind[] Patchable = [EditKind.Constant, EditKind.MethodAdded, EditKind.Lambda];
    private static readonly EditKind[] Kinds = [.. Patchable, EditKind.NewFile, EditKind.Signature];
    private const double GoalNewFile = 150;
    private const double GoalP50 = 60;
    private const double GoalP90 = 100;

    private enum Tool
    {
        Patches,
        FullCopies,
        Watch,
    }

    private sealed record Row(int Lines, SaveStyle Style, Tool Tool, string Name, EditKind Kind, List<EditResult> Results);

    // Runs per edit kind; at 50,000 lines, 3 where every save is a full copy of seconds (ours with full copies, and a
    // signature change).
    private (int Lines, int Runs)[] Sizes => options.Quick ? [(1_000, 2)] : [(1_000, 10), (3_000, 10), (10_000, 10), (50_000, 10)];

    public void Run()
    {
        var rows = new List<Row>();
        var notes = new List<string> { $"Load average (1 / 5 / 15 min) at the start: {Machine.LoadAverage()}." };
        foreach (var (lines, runs) in Sizes)
        {
            var code = new GeneratedCode(lines);
            var actual = code.ActualLines;
            foreach (var style in new[] { SaveStyle.InPlace, SaveStyle.Rename })
            {
                foreach (var tool in new[] { Tool.Patches, Tool.Watch, Tool.FullCopies })
                {
                    using var target = Create(tool, code, style);
                    var prefix = $"{actual:N0} lines, {SourceFile.Label(style)}: ";
                    var session = new EditSession(target, notes, prefix, StepCode.WithLambda);
                    session.Start(options.Quick ? 1 : 3);
                    foreach (var kind in Kinds)
                    {
                        var count = lines >= 50_000 && (tool == Tool.FullCopies || kind == EditKind.Signature) ? Math.Min(runs, 3) : runs;
                        rows.Add(new Row(actual, style, tool, target.Name, kind, session.Edits(kind, count, $"{actual} lines, {SourceFile.Label(style)}, {EditFigure.Label(kind)}")));
                    }

                    if (target is OursSaveTarget ours && ours.FullCopyReasons is { Count: > 0 } reasons)
                    {
                        notes.Add(prefix + $"{target.Name}: full copies said why: " + string.Join("; ", reasons.Select(r => $"`{r.Key}` ×{r.Value}")) + ".");
                    }

                    if (target.Summary() is { } summary)
                    {
                        notes.Add(prefix + summary);
                    }
                }
            }
        }

        notes.Add($"Load average at the end: {Machine.LoadAverage()}.");
        Report.Publish("patch", options, "Patches in place at 1,000 to 50,000 lines, both save styles: HotReload.Sdk beside dotnet watch", Describe(rows, notes));
    }

    private IEditTarget Create(Tool tool, GeneratedCode code, SaveStyle style) => tool switch
    {
        Tool.Patches => new OursSaveTarget(scratch, feed, code, style, patches: true),
        Tool.FullCopies => new OursSaveTarget(scratch, feed, code, style, patches: false),
        _ => new WatchTarget(scratch, code, style),
    };

    // One tool's save → first new frame times in these rows.
    private static List<double> Times(IEnumerable<Row> rows, Tool tool) =>
        rows.Where(r => r.Tool == tool).SelectMany(r => r.Results).Select(x => x.SaveToNewFrame).ToList();

    private static string Describe(List<Row> rows, List<string> notes)
    {
        var text = new StringBuilder();
        text.AppendLine(Report.Table(
            ["lines", "save", "tool", "edit", "runs", "save → first new frame p50", "p90", "host's split p50: debounce / compile / load or apply / frame wait", "patched", "process restarted", "counter kept"],
            rows.Select(r => new[]
            {
                r.Lines.ToString("N0"),
                r.Style == SaveStyle.InPlace ? "in place" : "rename",
                r.Name,
                EditFigure.Label(r.Kind),
                r.Results.Count.ToString(),
                EditReport.Ms(r.Results.Select(x => x.SaveToNewFrame)),
                EditReport.Ms(r.Results.Select(x => x.SaveToNewFrame), 90),
                EditReport.Split(r.Results),
                r.Tool == Tool.Watch ? "n/a" : $"{r.Results.Count(x => x.ToolMessage is { } m && SaveSplit.IsPatchedLine(m))}/{r.Results.Count}",
                $"{r.Results.Count(x => x.Restarted)}/{r.Results.Count}",
                $"{r.Results.Count(x => x.KeptCounter)}/{r.Results.Count}",
            })));

        text.AppendLine();
        text.AppendLine("Goal: for the edits a patch carries ((a), (i), (j)), ours with patches at p50 ≤ 60 ms and p90 ≤ 100 ms, and ahead of `dotnet watch` (p50), at every size and in both save styles:");
        text.AppendLine();
        foreach (var group in rows.Where(r => Patchable.Contains(r.Kind)).GroupBy(r => (r.Lines, r.Style, r.Kind)))
        {
            var (ours, watch) = (Times(group, Tool.Patches), Times(group, Tool.Watch));
            if (ours.Count == 0)
            {
                continue;
            }

            var (p50, p90, watch50) = (Stats.Median(ours), Stats.Percentile(ours, 90), watch.Count > 0 ? Stats.Median(watch) : double.NaN);
            var met = p50 <= GoalP50 && p90 <= GoalP90 && (double.IsNaN(watch50) || p50 < watch50);
            text.AppendLine($"- {group.Key.Lines:N0} lines, {SourceFile.Label(group.Key.Style)}, {EditFigure.Label(group.Key.Kind)}: p50 {Stats.Ms(p50)} ms, p90 {Stats.Ms(p90)} ms; dotnet watch p50 {Stats.Ms(watch50)} ms: {EditReport.Met(met)}.");
        }

        text.AppendLine();
        text.AppendLine($"Goal: (k) a new file, listed by the project's globs and live within {GoalNewFile:F0} ms (p50), ours with patches:");
        text.AppendLine();
        foreach (var group in rows.Where(r => r.Kind == EditKind.NewFile).GroupBy(r => (r.Lines, r.Style)))
        {
            var (ours, watch) = (Times(group, Tool.Patches), Times(group, Tool.Watch));
            if (ours.Count > 0)
            {
                var p50 = Stats.Median(ours);
                text.AppendLine($"- {group.Key.Lines:N0} lines, {SourceFile.Label(group.Key.Style)}: p50 {Stats.Ms(p50)} ms, p90 {Stats.Ms(Stats.Percentile(ours, 90))} ms; dotnet watch p50 {(watch.Count > 0 ? Stats.Ms(Stats.Median(watch)) : "n/a")} ms: {EditReport.Met(p50 <= GoalNewFile)}.");
            }
        }

        // Each edit kind's runs are spread evenly over the frame, so its median is fair; all the patchable edits of a size
        // and style together are the figure with the most saves behind it.
        text.AppendLine();
        text.AppendLine("All the patchable edits of a size and save style together (save → first new frame):");
        text.AppendLine();
        foreach (var group in rows.Where(r => Patchable.Contains(r.Kind)).GroupBy(r => (r.Lines, r.Style)))
        {
            string Pooled(Tool tool)
            {
                var values = Times(group, tool);
                return values.Count == 0 ? "n/a" : $"p50 {Stats.Ms(Stats.Median(values))} ms, p90 {Stats.Ms(Stats.Percentile(values, 90))} ms ({values.Count} saves)";
            }

            text.AppendLine($"- {group.Key.Lines:N0} lines, {SourceFile.Label(group.Key.Style)}: ours with patches {Pooled(Tool.Patches)}; dotnet watch {Pooled(Tool.Watch)}; ours with full copies {Pooled(Tool.FullCopies)}.");
        }

        text.AppendLine();
        text.AppendLine("The library is the sample's with the generated code of the scale figure in `StateManipulation/Generated/` (dotnet watch: the same code beside `Program.cs`); "
            + "the step method has a lambda from the start (`add = c => c + x`), whose constant (j) edits change. \"First new frame\" is the line printed by the first frame that ran the new code. "
            + "Ours with patches and ours with full copies are the same host, started with and without `DOTNET_MODIFIABLE_ASSEMBLIES=debug`. "
            + "\"patched\": saves the host reported as `generation N patched (K)`; the others went live as full copies (their reasons are in the notes). "
            + "Each tool's first edits after start are warm-up, not counted; the notes give their times, the first one being the first save after the host started.");
        text.AppendLine();
        foreach (var note in notes)
        {
            text.AppendLine("- " + note);
        }

        return text.ToString();
    }
}
