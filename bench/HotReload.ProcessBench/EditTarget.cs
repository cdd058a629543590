namespace HotReload.ProcessBench;

/// <summary>One timed edit: save to the first output line showing the new behaviour, and where the time went.</summary>
/// <param name="SaveToEffect">Save → the first counter line that shows the new step.</param>
/// <param name="SaveToBuildExit">Save → `dotnet build` exited (ours only: dotnet watch builds inside itself).</param>
/// <param name="SaveToToolMessage">Save → the tool's own message that the change is in (ours: "generation N is live";
/// dotnet watch: "changes applied" or "Restart is needed"); null when it printed none.</param>
/// <param name="Restarted">The line showing the new step came from another process than the line before the save.</param>
/// <param name="KeptCounter">The counter went on from its value before the save (no reset to 0).</param>
internal sealed record EditResult(double SaveToEffect, double? SaveToBuildExit, double? SaveToToolMessage, bool Restarted, bool KeptCounter);

/// <summary>A running program and the way its tool applies an edit of <see cref="StepCode"/>.</summary>
internal interface IEditTarget : IDisposable
{
    string Name { get; }

    /// <summary>What <see cref="EditResult.SaveToToolMessage"/> measures, for the table's notes.</summary>
    string ToolMessage { get; }

    /// <summary>Builds and starts the program running <paramref name="code"/>; returns once it prints its counter.</summary>
    void Start(StepCode code);

    /// <summary>Saves <paramref name="code"/> and waits until the program shows its step.</summary>
    EditResult Apply(StepCode code);

    /// <summary>Anything the tool reported over all edits that the table should mention, or null.</summary>
    string? Summary();
}

/// <summary>What both targets do around a save: note the counter before, find the new step and the tool's message after.</summary>
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
        var effect = process.WaitFor(lines => counters.NewStep(lines, step, before.SavedAt), $"a counter step of {step}", EffectTimeout, from);
        var message = process.LinesFrom(before.LineIndex).Where(l => isToolMessage(l.Text)).Select(l => (TimeSpan?)l.At).FirstOrDefault();
        return new EditResult(
            (effect.At - before.SavedAt).TotalMilliseconds,
            saveToBuildExit,
            message is { } m ? (m - before.SavedAt).TotalMilliseconds : null,
            Restarted: effect.ProcessId != before.LastCounter.ProcessId,
            KeptCounter: effect.Value > before.LastCounter.Value);
    }

    /// <summary>Waits until the program prints a few counter lines, so the next save finds it running.</summary>
    public void WaitUntilCounting(string what) =>
        process.WaitFor(lines => counters.In(lines).Count() >= 3 ? true : (bool?)null, what, TimeSpan.FromMinutes(3), Math.Max(0, process.Count - 3));
}
