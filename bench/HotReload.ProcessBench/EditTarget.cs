namespace HotReload.ProcessBench;

/// <summary>One timed edit: save to the first frame that ran the new code, and where the time went.</summary>
/// <param name="SaveToNewFrame">Save → the counter line printed by the first frame that ran the new code (the line just
/// before the first one showing the new step).</param>
/// <param name="SaveToShown">Save → the first counter line that shows the new step (one frame later).</param>
/// <param name="SaveToBuildExit">Save → `dotnet build` exited (ours with a build only: the others build inside themselves).</param>
/// <param name="SaveToToolMessage">Save → the tool's own message that the change is in (ours: "generation N live";
/// dotnet watch: "changes applied" or "Restart is needed"); null when it printed none.</param>
/// <param name="ToolMessage">That message's text (ours: it carries the host's split of the time).</param>
/// <param name="Restarted">The line showing the new step came from another process than the line before the save.</param>
/// <param name="KeptCounter">The counter went on from its value before the save (no reset to 0).</param>
internal sealed record EditResult(double SaveToNewFrame, double SaveToShown, double? SaveToBuildExit, double? SaveToToolMessage,
    string? ToolMessage, bool Restarted, bool KeptCounter);

/// <summary>One save of code that does not compile: save to the first compiler error the tool shows.</summary>
internal sealed record ErrorResult(double SaveToError, string ErrorLine);

/// <summary>A running program and the way its tool applies an edit of <see cref="StepCode"/>.</summary>
internal interface IEditTarget : IDisposable
{
    string Name { get; }

    /// <summary>What <see cref="EditResult.SaveToToolMessage"/> measures, for the table's notes.</summary>
    string ToolMessage { get; }

    /// <summary>What a (d) edit, <see cref="EditKind.Rude"/>, changes in this program.</summary>
    string RudeEdit { get; }

    /// <summary>Builds and starts the program running <paramref name="code"/>; returns once it is ready for a save.</summary>
    void Start(StepCode code);

    /// <summary>Saves <paramref name="code"/> and waits until the program shows its step.</summary>
    EditResult Apply(StepCode code);

    /// <summary>Saves <paramref name="code"/>, which does not compile, and waits for the tool to show the compiler's error.</summary>
    ErrorResult ApplyBroken(StepCode code);

    /// <summary>Anything the tool reported over all edits that the table should mention, or null.</summary>
    string? Summary();
}

/// <summary>What every target does around a save: note the counter before, find the new step and the tool's message after.</summary>
internal sealed class EditObserver(RunningProcess process, CounterLines counters, Func<string, bool> isToolMessage)
{
    private static readonly TimeSpan EffectTimeout = TimeSpan.FromMinutes(2);

    public sealed record Before(int LineIndex, TimeSpan SavedAt, CounterLine LastCounter);

    /// <summary>Call just before saving.</summary>
    public Before Mark()
    {
        var index = process.Count;
        var last = counters.In(process.LinesFrom(Math.Max(0, index - 20))).LastOrDefault();
        return new Before(index, Clock.Now, last);
    }

    public EditResult WaitForEffect(Before before, int step, double? saveToBuildExit)
    {
        // From a few lines before the save, so that the counter line before the first new one is seen too.
        var from = Math.Max(0, before.LineIndex - 5);
        var effect = process.WaitFor(lines => counters.FindNewStep(lines, step, before.SavedAt), $"a counter step of {step}", EffectTimeout, from);
        var message = process.LinesFrom(before.LineIndex).Where(l => isToolMessage(l.Text)).Cast<OutputLine?>().FirstOrDefault();
        return new EditResult(
            Since(before, effect.FirstFrame.At),
            Since(before, effect.Shown.At),
            saveToBuildExit,
            message is { } m ? Since(before, m.At) : null,
            message?.Text,
            Restarted: effect.Shown.ProcessId != before.LastCounter.ProcessId,
            KeptCounter: effect.Shown.Value > before.LastCounter.Value);
    }

    /// <summary>Waits for the first line at or after the save that <paramref name="isError"/> accepts.</summary>
    public ErrorResult WaitForError(Before before, Func<string, bool> isError)
    {
        var line = process.WaitFor(lines => lines.Where(l => isError(l.Text)).Cast<OutputLine?>().FirstOrDefault(),
            "the compiler's error", EffectTimeout, before.LineIndex);
        return new ErrorResult(Since(before, line.At), line.Text);
    }

    /// <summary>Waits until the program prints a few counter lines, so the next save finds it running.</summary>
    public void WaitUntilCounting(string what) =>
        process.WaitFor(lines => counters.In(lines).Count() >= 3 ? true : (bool?)null, what, TimeSpan.FromMinutes(3), Math.Max(0, process.Count - 3));

    private static double Since(Before before, TimeSpan at) => (at - before.SavedAt).TotalMilliseconds;
}
