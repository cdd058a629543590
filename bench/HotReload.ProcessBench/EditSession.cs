namespace HotReload.ProcessBench;

/// <summary>
/// Drives one running program through timed edits: it keeps the code the program runs, gives every edit a step no
/// earlier edit had (so the new step can only come from the new code), and leaves the tool a moment after each edit.
/// </summary>
internal sealed class EditSession(IEditTarget target, List<string> notes)
{
    // Pause between edits, so the tool has finished with the last one (dotnet watch logs, ours unloads the old copy).
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

    private StepCode _code = StepCode.Initial;
    private int _step = 1;

    public IEditTarget Target => target;

    /// <summary>Starts the program, then makes one edit that is not counted: the first after start pays for warming
    /// the tool up (JIT, first load).</summary>
    public void Start()
    {
        target.Start(_code);
        var first = Edit(EditKind.Constant);
        notes.Add($"{target.Name}: first edit after start (warm-up, not counted): {Stats.Ms(first.SaveToNewFrame)} ms save → first new frame.");
        Thread.Sleep(Settle);
    }

    /// <summary><paramref name="runs"/> edits of one kind, one after the other.</summary>
    public List<EditResult> Edits(EditKind kind, int runs, string label)
    {
        var results = new List<EditResult>();
        for (var i = 0; i < runs; i++)
        {
            var result = Edit(kind);
            results.Add(result);
            Console.WriteLine($"{target.Name} {label} {i + 1}/{runs}: {result.SaveToNewFrame:F0} ms to the first new frame, {result.SaveToShown:F0} ms to the line showing it"
                + (result.Restarted ? " (restarted)" : "") + (result.KeptCounter ? "" : " (counter reset)"));
            Thread.Sleep(Settle);
        }

        return results;
    }

    /// <summary><paramref name="runs"/> saves of code that does not compile, each followed by a save that fixes it
    /// (timed as an edit: the first new frame after the fix).</summary>
    public (List<ErrorResult> Errors, List<EditResult> Fixes) Errors(int runs)
    {
        var errors = new List<ErrorResult>();
        var fixes = new List<EditResult>();
        for (var i = 0; i < runs; i++)
        {
            var error = target.ApplyBroken(_code.WithError());
            errors.Add(error);
            Thread.Sleep(Settle);
            var fix = Edit(EditKind.Constant);
            fixes.Add(fix);
            Console.WriteLine($"{target.Name} compile error {i + 1}/{runs}: {error.SaveToError:F0} ms to `{error.ErrorLine.Trim()}`; "
                + $"fixed: {fix.SaveToNewFrame:F0} ms to the first new frame");
            Thread.Sleep(Settle);
        }

        return (errors, fixes);
    }

    private EditResult Edit(EditKind kind)
    {
        _code = _code.Next(kind, ++_step);
        return target.Apply(_code);
    }
}
