using System.Text;

namespace HotReload.ProcessBench;

/// <summary>
/// Figure `scale`: the edit figure's (a) and (b) edits on a library with about 300 to 10,000 more lines (generated,
/// in several files). Ours emits the whole library on every save; dotnet watch emits a patch of the changed methods.
/// The sample without generated code is the first point of the series. No goal: it says at what size the full emit
/// stops beating the patch.
/// </summary>
internal sealed class ScaleFigure(Scratch scratch, PackageFeed feed, Options options)
{
    private static readonly EditKind[] Kinds = [EditKind.Constant, EditKind.Signature];

    // Edits after start that are not counted. At 1,000 lines and more the warm compiler's compile time falls by half
    // over its first ten or so edits (a first full run: 661 ms down to 282 ms at 3,000 lines), so without them the kind
    // measured first would carry the warm-up. Both tools get the same; --quick makes one.
    private int WarmUpEdits => options.Quick ? 1 : 10;

    private sealed record ScaleRow(int Lines, string Tool, EditKind Kind, List<EditResult> Results, bool Ours);

    // Generated lines and runs per edit kind: the sizes of the issue (1,000 and 10,000 lines) and points around them, so
    // the crossover is interpolated rather than guessed. --quick runs the smallest size with generated code only.
    private (int Lines, int Runs)[] Sizes => options.Quick ? [(300, 2)] : [(0, 10), (300, 10), (1_000, 20), (3_000, 10), (10_000, 5)];

    public void Run()
    {
        var rows = new List<ScaleRow>();
        var notes = new List<string> { $"Load average (1 / 5 / 15 min) at the start: {Machine.LoadAverage()}." };
        foreach (var (lines, runs) in Sizes)
        {
            var code = lines == 0 ? null : new GeneratedCode(lines);
            var actual = code?.ActualLines ?? 0;
            foreach (var create in new Func<IEditTarget>[] { () => new OursSaveTarget(scratch, feed, code), () => new WatchTarget(scratch, code) })
            {
                using var target = create();
                var session = new EditSession(target, notes, $"{actual:N0} lines: ");
                session.Start(WarmUpEdits);
                foreach (var kind in Kinds)
                {
                    var label = $"{actual} lines, {EditFigure.Label(kind)}";
                    rows.Add(new ScaleRow(actual, target.Name, kind, session.Edits(kind, runs, label), target is OursSaveTarget));
                }

                if (target.Summary() is { } summary)
                {
                    notes.Add($"{actual:N0} lines: {summary}");
                }
            }
        }

        notes.Add($"Load average at the end: {Machine.LoadAverage()}.");
        Report.Publish("scale", options, "Edit to effect as the library grows: HotReload.Sdk beside dotnet watch", Describe(rows, notes));
    }

    private static string Describe(List<ScaleRow> rows, List<string> notes)
    {
        var text = new StringBuilder();
        text.AppendLine(Report.Table(
            ["generated lines", "tool", "edit", "runs", "save → first new frame p50", "p90", "host's split p50: debounce / compile / load / frame wait", "process restarted", "counter kept"],
            rows.Select(r => new[]
            {
                r.Lines.ToString("N0"),
                r.Tool,
                EditFigure.Label(r.Kind),
                r.Results.Count.ToString(),
                EditReport.Ms(r.Results.Select(x => x.SaveToNewFrame)),
                EditReport.Ms(r.Results.Select(x => x.SaveToNewFrame), 90),
                EditReport.Split(r.Results),
                $"{r.Results.Count(x => x.Restarted)}/{r.Results.Count}",
                $"{r.Results.Count(x => x.KeptCounter)}/{r.Results.Count}",
            })));

        foreach (var kind in Kinds)
        {
            text.AppendLine($"- {EditFigure.Label(kind)}: {Crossover(rows.Where(r => r.Kind == kind).ToList())}");
        }

        text.AppendLine();
        text.AppendLine("The generated code (classes with fields, loops, LINQ and lambdas, records, switch expressions, calls from class to "
            + "class, in files of about 500 lines) is the same in both programs: in `StateManipulation/Generated/` for ours, beside "
            + "`Program.cs` for dotnet watch; the sample's own code (about 30 lines) comes on top. The edits are the edit figure's, in "
            + "`Logic.cs` / `Program.cs`. \"First new frame\" is as in the edit figure (the line printed by the first frame that ran the "
            + "new code). Crossovers are straight-line interpolations of the p50s between the measured sizes, or beyond the largest "
            + "(an extrapolation, and said so).");
        text.AppendLine();
        foreach (var note in notes)
        {
            text.AppendLine("- " + note);
        }

        return text.ToString();
    }

    /// <summary>Where ours' p50 meets dotnet watch's, from the p50 difference at each measured size.</summary>
    private static string Crossover(List<ScaleRow> rows)
    {
        var points = rows.GroupBy(r => r.Lines).OrderBy(g => g.Key)
            .Select(g => (Lines: (double)g.Key, Ours: P50(g.Where(r => r.Ours)), Watch: P50(g.Where(r => !r.Ours))))
            .Where(p => !double.IsNaN(p.Ours) && !double.IsNaN(p.Watch))
            .ToList();
        if (points.Count == 0)
        {
            return "no sizes measured.";
        }

        var series = string.Join("; ", points.Select(p => $"{p.Lines:N0} lines: ours {p.Ours:F0} ms, dotnet watch {p.Watch:F0} ms"));
        if (points[0].Ours >= points[0].Watch)
        {
            return $"{series}. Ours is not ahead even at {points[0].Lines:N0} generated lines.";
        }

        for (var i = 1; i < points.Count; i++)
        {
            if (points[i].Ours >= points[i].Watch)
            {
                return $"{series}. The full emit stops beating the patch at about {Meet(points[i - 1], points[i]):N0} generated lines (interpolated).";
            }
        }

        if (points.Count >= 2 && Meet(points[^2], points[^1]) is var beyond && double.IsFinite(beyond) && beyond > points[^1].Lines)
        {
            return $"{series}. Ours is ahead at every measured size; extrapolating the last two, the lines would meet at about {beyond:N0} generated lines.";
        }

        return $"{series}. Ours is ahead at every measured size, and the gap does not narrow.";

        static double P50(IEnumerable<ScaleRow> rows) => Stats.Median(rows.SelectMany(r => r.Results).Select(x => x.SaveToNewFrame));

        // The size where the difference ours - watch, a straight line through the two points, is zero.
        static double Meet((double Lines, double Ours, double Watch) a, (double Lines, double Ours, double Watch) b)
        {
            var (da, db) = (a.Ours - a.Watch, b.Ours - b.Watch);
            return db == da ? double.PositiveInfinity : a.Lines + (b.Lines - a.Lines) * (0 - da) / (db - da);
        }
    }
}
