using System.Text;

namespace HotReload.ProcessBench;

/// <summary>
/// Figure `edit`: save an edit, time until the running program's output shows it. Ours (a running host, then
/// `dotnet build StateManipulation`) beside `dotnet watch`, for edits each can apply in place and one dotnet watch
/// cannot. One tool at a time, so they never compete for the two cores.
/// </summary>
internal sealed class EditFigure(Scratch scratch, PackageFeed feed, Options options)
{
    // Pause between edits, so the tool has finished with the last one (dotnet watch logs, ours unloads the old copy).
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

    private int _step = 1; // every edit gets a step no earlier edit had

    private sealed record Row(string Tool, EditKind Kind, List<EditResult> Results);

    public void Run()
    {
        var rows = new List<Row>();
        var notes = new List<string> { $"Load average (1 / 5 / 15 min) at the start: {Machine.LoadAverage()}." };
        using (var ours = new OursTarget(scratch, feed, compilerServer: false))
        {
            rows.AddRange(Measure(ours, notes, (EditKind.Constant, options.Runs(20)), (EditKind.Signature, options.Runs(5))));
        }

        // The same with the compiler server a user has by default (the machine's environment turns it off).
        using (var ours = new OursTarget(scratch, feed, compilerServer: true))
        {
            rows.AddRange(Measure(ours, notes, (EditKind.Constant, options.Runs(20))));
        }

        using (var watch = new WatchTarget(scratch))
        {
            rows.AddRange(Measure(watch, notes,
                (EditKind.Constant, options.Runs(20)), (EditKind.Signature, options.Runs(5)), (EditKind.Rude, options.Runs(5))));
        }

        notes.Add($"Load average at the end: {Machine.LoadAverage()}.");
        Report.Publish("edit", options, "Edit to effect: HotReload.Sdk beside dotnet watch", Describe(rows, notes));
    }

    private IEnumerable<Row> Measure(IEditTarget target, List<string> notes, params (EditKind Kind, int Runs)[] plan)
    {
        var code = StepCode.Initial;
        target.Start(code);

        // The first edit after start pays for warming the tool up (JIT, first load); reported, not counted.
        code = code.Next(EditKind.Constant, ++_step);
        var first = target.Apply(code);
        notes.Add($"{target.Name}: first edit after start (warm-up, not counted): {Stats.Ms(first.SaveToEffect)} ms save → new behaviour.");
        notes.Add($"{target.Name}: \"tool's message\" is {target.ToolMessage}.");
        Thread.Sleep(Settle);

        var rows = new List<Row>();
        foreach (var (kind, runs) in plan)
        {
            var row = new Row(target.Name, kind, []);
            for (var i = 0; i < runs; i++)
            {
                code = code.Next(kind, ++_step);
                var result = target.Apply(code);
                row.Results.Add(result);
                Console.WriteLine($"{target.Name} {Label(kind)} {i + 1}/{runs}: {result.SaveToEffect:F0} ms"
                    + (result.Restarted ? " (restarted)" : "") + (result.KeptCounter ? "" : " (counter reset)"));
                Thread.Sleep(Settle);
            }

            rows.Add(row);
        }

        if (target.Summary() is { } summary)
        {
            notes.Add(summary);
        }

        return rows;
    }

    private static string Describe(List<Row> rows, List<string> notes)
    {
        var table = Report.Table(
            ["tool", "edit", "runs", "save → new behaviour p50", "p90", "save → build exit p50", "build exit → new behaviour p50",
             "save → tool's message p50", "process restarted", "counter kept"],
            rows.Select(r => new[]
            {
                r.Tool,
                Label(r.Kind),
                r.Results.Count.ToString(),
                Stats.Ms(Stats.Median(r.Results.Select(x => x.SaveToEffect))) + " ms",
                Stats.Ms(Stats.Percentile(r.Results.Select(x => x.SaveToEffect), 90)) + " ms",
                Milliseconds(r.Results.Select(x => x.SaveToBuildExit)),
                Milliseconds(r.Results.Select(x => x.SaveToEffect - x.SaveToBuildExit)),
                Milliseconds(r.Results.Select(x => x.SaveToToolMessage)),
                $"{r.Results.Count(x => x.Restarted)}/{r.Results.Count}",
                $"{r.Results.Count(x => x.KeptCounter)}/{r.Results.Count}",
            }));

        var text = new StringBuilder(table).AppendLine();
        text.AppendLine("\"New behaviour\" is the first output line whose counter is the new step more than the line before it (both programs "
            + "print, then step, every 50 ms, so that line comes one frame after the first frame that ran the new code: up to "
            + "50 ms of frame wait plus 50 ms are in every figure). Percentiles interpolate between the closest ranks. "
            + "Ours: the driver runs `dotnet build StateManipulation` right after the save; build exit → new behaviour can be "
            + "negative, because the host swaps as soon as the copy is written, before the build process has exited.");
        text.AppendLine();
        foreach (var note in notes)
        {
            text.AppendLine("- " + note);
        }

        return text.ToString();
    }

    private static string Milliseconds(IEnumerable<double?> values)
    {
        var present = values.OfType<double>().ToList();
        return present.Count == 0 ? "n/a" : Stats.Ms(Stats.Median(present)) + " ms";
    }

    private static string Label(EditKind kind) => kind switch
    {
        EditKind.Constant => "(a) constant in the step method",
        EditKind.Signature => "(b) step method's signature + its caller",
        _ => "(c) rude: state class's base class",
    };
}
