namespace HotReload.ProcessBench;

/// <summary>
/// Figure `edit`: save an edit, time until the running program runs it. Ours (the host compiling on save, so a save
/// is all it takes, and started as `dotnet run` starts the sample: with <c>DOTNET_MODIFIABLE_ASSEMBLIES=debug</c>, so
/// what a patch can carry is patched) beside `dotnet watch`, for four kinds of edit, and a save that does not compile,
/// each with saves written in place (VS Code's default) and through a rename (Visual Studio's way); then, for
/// reference, ours with the host reloading only what `dotnet build` makes. One tool at a time, so they never compete
/// for the two cores.
/// </summary>
internal sealed class EditFigure(Scratch scratch, PackageFeed feed, Options options)
{
    public static readonly EditKind[] Kinds = [EditKind.Constant, EditKind.Signature, EditKind.NewClass, EditKind.Rude];

    public void Run()
    {
        var edits = new List<EditRow>();
        var errors = new List<ErrorRow>();
        var notes = new List<string> { $"Load average (1 / 5 / 15 min) at the start: {Machine.LoadAverage()}." };
        foreach (var style in new[] { SaveStyle.InPlace, SaveStyle.Rename })
        {
            foreach (var create in new Func<IEditTarget>[] { () => new OursSaveTarget(scratch, feed, style: style, patches: true), () => new WatchTarget(scratch, style: style) })
            {
                using var target = create();
                var judged = target is OursSaveTarget;
                var name = $"{target.Name}, {SourceFile.Label(style)}";
                var session = new EditSession(target, notes, SourceFile.Label(style) + ": ");
                session.Start();
                foreach (var kind in Kinds)
                {
                    var label = Label(kind, target.RudeEdit);
                    edits.Add(new EditRow(name, label, session.Edits(kind, options.Runs(20), label), judged));
                }

                var (errorResults, fixes) = session.Errors(options.Runs(20));
                errors.Add(new ErrorRow(name, errorResults, fixes, judged));
                Summarize(target, notes);
            }
        }

        // How it was before compile on save: the host reloads what the README's rebuild command makes. A reference row,
        // about a minute of builds even in --quick, which leaves it out (the build figure runs the same builds).
        if (options.Quick)
        {
            notes.Add("--quick leaves out the reference row (the host without compile on save, and `dotnet build` after each save).");
        }
        else
        {
            using var build = new OursBuildTarget(scratch, feed, compilerServer: false);
            var session = new EditSession(build, notes);
            session.Start();
            var label = Label(EditKind.Constant);
            edits.Add(new EditRow(build.Name, label, session.Edits(EditKind.Constant, options.Runs(20), label), Judged: false));
            Summarize(build, notes);
        }

        notes.Add($"Load average at the end: {Machine.LoadAverage()}.");
        Report.Publish("edit", options, "Edit to effect: HotReload.Sdk beside dotnet watch", EditReport.Describe(edits, errors, notes));
    }

    private static void Summarize(IEditTarget target, List<string> notes)
    {
        notes.Add($"{target.Name}: \"tool's message\" is {target.ToolMessage}.");
        if (target.Summary() is { } summary)
        {
            notes.Add(summary);
        }
    }

    /// <param name="rudeEdit">What a (d) edit changes in the program (<see cref="IEditTarget.RudeEdit"/>).</param>
    public static string Label(EditKind kind, string rudeEdit = "a class's base class") => kind switch
    {
        EditKind.Constant => "(a) a constant in a method body",
        EditKind.Signature => "(b) a method's signature + its caller",
        EditKind.NewClass => "(c) a new class, used from the entry point",
        EditKind.NewFile => "(k) a new file with a new class, used from the step",
        EditKind.FieldAdded => "(e) the state's class gains a field with an initializer",
        EditKind.FieldRetyped => "(f) a field of the state's class changes type (int ↔ long)",
        EditKind.FieldRemoved => "(g) the state's class loses a field",
        EditKind.StateBase => "(h) the state's class gains or loses a base class",
        EditKind.MethodAdded => "(i) a method added, called from the step method",
        EditKind.Lambda => "(j) a constant in a lambda in a method body",
        _ => "(d) rude edit: " + rudeEdit,
    };
}
