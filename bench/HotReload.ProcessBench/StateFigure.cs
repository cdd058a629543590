namespace HotReload.ProcessBench;

/// <summary>
/// Figure `state`: edits to the shape of the program's state, saved while it runs. Ours keeps the state in an object of
/// the reloadable library itself (a static readonly field), so every edit is migrated into the new generation; dotnet
/// watch keeps it in the program's state class. Four kinds: a field added with an initializer, a field retyped, a field
/// removed, a base class changed. Time from the save to the first new frame, and whether the counter (a field of that
/// class that no edit touches) went on or the program restarted.
/// </summary>
internal sealed class StateFigure(Scratch scratch, PackageFeed feed, Options options)
{
    public static readonly EditKind[] Kinds = [EditKind.FieldAdded, EditKind.FieldRetyped, EditKind.FieldRemoved, EditKind.StateBase];

    public void Run()
    {
        var edits = new List<EditRow>();
        var notes = new List<string> { $"Load average (1 / 5 / 15 min) at the start: {Machine.LoadAverage()}." };
        foreach (var create in new Func<IEditTarget>[] { () => new OursSaveTarget(scratch, feed), () => new WatchTarget(scratch) })
        {
            using var target = create();
            var judged = target is OursSaveTarget;
            var session = new EditSession(target, notes, initial: StepCode.LibraryState);
            session.Start();
            foreach (var kind in Kinds)
            {
                var label = EditFigure.Label(kind);
                edits.Add(new EditRow(target.Name, label, session.Edits(kind, options.Runs(10), label), judged));
            }

            notes.Add($"{target.Name}: \"tool's message\" is {target.ToolMessage}.");
            if (target.Summary() is { } summary)
            {
                notes.Add(summary);
            }
        }

        notes.Add("Ours: the state is `static readonly World world` in the library (`World { long Counter; int Speed = 3; int ExtraN = N; ... }`), "
            + "printed and stepped every frame; dotnet watch: the same members in the program's `State` class, a local of Main. (e) adds `ExtraN`, "
            + "(g) removes the last one added, (f) toggles `Speed` between int and long, (h) toggles `: Thing`. Every edit also changes the "
            + "step, so the first new frame shows. \"counter kept\" is the counter going on from its value before the save.");
        notes.Add($"Load average at the end: {Machine.LoadAverage()}.");
        Report.Publish("state", options, "State-shape edits: HotReload.Sdk (state migrated) beside dotnet watch", EditReport.Describe(edits, [], notes));
    }
}
