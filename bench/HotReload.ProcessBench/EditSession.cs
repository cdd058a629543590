using System.Diagnostics;

namespace HotReload.ProcessBench;

/// <summary>
/// Drives one running program through timed edits: it keeps the code the program runs, gives every edit a step no
/// earlier edit had (so the new step can only come from the new code), and leaves the tool a moment after each edit.
/// </summary>
/// <param name="notePrefix">Put before the session's notes, to tell sessions of one figure apart.</param>
/// <param name="initial">The code the program starts with (the state figure keeps ours' state in the library).</param>
internal sealed class EditSession(IEditTarget target, List<string> notes, string notePrefix = "", StepCode? initial = null)
{
    // Pause between edits, so the tool has finished with the last one (dotnet watch logs, ours unloads the old copy).
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

    // Plus a point of the 50 ms frame: the driver reacts to a printed line, that is just after a frame started, so with a
    // fixed pause every save would land at the same point of the frame, and the frame wait would be the same every time
    // instead of anything from 0 to 50 ms. An edit kind's runs are spread evenly over the frame (stratified, in a seeded
    // order), so each kind's median is that of a save at any moment, not of a few draws that may all fall late in the
    // frame; the other saves (warm-up, errors) take seeded draws. Every run, and every tool, makes the same pauses.
    private static readonly TimeSpan FramePeriod = TimeSpan.FromMilliseconds(50);
    private readonly Random _phase = new(6);

    private StepCode _code = initial ?? StepCode.Initial;
    private int _step = 1;

    // When the last save's effect was seen (its first new frame, or its error): the next save is timed from there.
    private long _lastSeen;

    public IEditTarget Target => target;

    /// <summary>Starts the program, then makes <paramref name="warmUpEdits"/> edits that are not counted: the first
    /// after start pays for warming the tool up (JIT, first load), and with a larger library the warm compiler takes
    /// several more to reach its steady compile time (its code is still being JIT-compiled to the faster tier).</summary>
    public void Start(int warmUpEdits = 1)
    {
        target.Start(_code);
        _lastSeen = Stopwatch.GetTimestamp(); // the first save lands at any point of the frame too, like every other
        var times = new List<double>();
        for (var i = 0; i < warmUpEdits; i++)
        {
            times.Add(Edit(EditKind.Constant, _phase.NextDouble()).SaveToNewFrame);
        }

        Thread.Sleep(Settle);
        notes.Add(times.Count == 1
            ? $"{notePrefix}{target.Name}: first edit after start (warm-up, not counted): {Stats.Ms(times[0])} ms save → first new frame."
            : $"{notePrefix}{target.Name}: {times.Count} warm-up edits after start (not counted), save → first new frame: {string.Join(", ", times.Select(Stats.Ms))} ms.");
    }

    /// <summary><paramref name="runs"/> edits of one kind, one after the other, at points spread evenly over the frame.</summary>
    public List<EditResult> Edits(EditKind kind, int runs, string label)
    {
        var results = new List<EditResult>();
        var phases = Enumerable.Range(0, runs).Select(i => (i + 0.5) / runs).OrderBy(_ => _phase.Next()).ToList();
        for (var i = 0; i < runs; i++)
        {
            var result = Edit(kind, phases[i]);
            results.Add(result);
            Console.WriteLine($"{target.Name} {label} {i + 1}/{runs}: {result.SaveToNewFrame:F0} ms to the first new frame, {result.SaveToShown:F0} ms to the line showing it"
                + (result.Restarted ? " (restarted)" : "") + (result.KeptCounter ? "" : " (counter reset)"));
        }

        Thread.Sleep(Settle);
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
            WaitForPhase(_phase.NextDouble());
            var error = target.ApplyBroken(_code.WithError());
            _lastSeen = Stopwatch.GetTimestamp();
            errors.Add(error);
            var fix = Edit(EditKind.Constant, _phase.NextDouble());
            fixes.Add(fix);
            Console.WriteLine($"{target.Name} compile error {i + 1}/{runs}: {error.SaveToError:F0} ms to `{error.ErrorLine.Trim()}`; "
                + $"fixed: {fix.SaveToNewFrame:F0} ms to the first new frame");
        }

        Thread.Sleep(Settle);
        return (errors, fixes);
    }

    /// <summary>Waits until <see cref="Settle"/> and then <paramref name="phase"/> of a frame (0 to 1) have passed since the
    /// last save's effect was seen.</summary>
    private void WaitForPhase(double phase)
    {
        var due = Settle + phase * FramePeriod - Stopwatch.GetElapsedTime(_lastSeen);
        if (due > TimeSpan.Zero)
        {
            Thread.Sleep(due);
        }
    }

    private EditResult Edit(EditKind kind, double phase)
    {
        WaitForPhase(phase);
        _code = _code.Next(kind, ++_step);
        var result = target.Apply(_code);
        _lastSeen = Stopwatch.GetTimestamp();
        return result;
    }
}
