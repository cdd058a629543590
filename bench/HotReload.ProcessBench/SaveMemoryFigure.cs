namespace HotReload.ProcessBench;

/// <summary>
/// Figure `save-memory`: what compiling on save costs in memory over a session. The sample host and its warm
/// compiler are read (VmRSS, from /proc) after the warm-up edit and after 100 more saves, each one awaited until it
/// runs. The compiler keeps the library's compilation in memory, so its size is the price of the fast compile; the
/// host must not grow with the edits, since each old generation is unloaded.
/// </summary>
internal sealed class SaveMemoryFigure(Scratch scratch, PackageFeed feed, Options options)
{
    // Before each reading: the last swap's old generation is collected on a background timer, within a second or two.
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(3);

    // Readings after 25, 50, 75 and 100 edits (--quick: after its 2).
    private int Parts => options.Quick ? 1 : 4;

    private sealed record Reading(string When, long Host, long Compiler);

    public void Run()
    {
        var notes = new List<string> { $"Load average (1 / 5 / 15 min) at the start: {Machine.LoadAverage()}." };
        var edits = options.Runs(100);
        var readings = new List<Reading>();
        var results = new List<EditResult>();
        int compilerId;
        using (var ours = new OursSaveTarget(scratch, feed))
        {
            var session = new EditSession(ours, notes);
            session.Start();
            compilerId = ours.CompilerProcessId;
            readings.Add(Read("after the warm-up edit", ours, compilerId));
            // Readings on the way show whether the compiler's growth levels off or goes on.
            for (var part = 1; part <= Parts; part++)
            {
                var done = edits * part / Parts;
                results.AddRange(session.Edits(EditKind.Constant, done - results.Count, "memory run"));
                readings.Add(Read($"after {done} more edits", ours, compilerId));
            }

            if (ours.CompilerProcessId != compilerId)
            {
                notes.Add($"The warm compiler's process changed during the edits ({compilerId} → {ours.CompilerProcessId}): it was restarted.");
            }

            // Every swap releases the generation before it: the warm-up edit's and each edit's.
            notes.Add($"Old generations unloaded by the host: {ours.Unloads} of the {edits + 1} released by the run's swaps.");
            if (ours.Summary() is { } summary)
            {
                notes.Add(summary);
            }
        }

        notes.Add($"Save → first new frame over the {edits} edits: p50 {EditReport.Ms(results.Select(r => r.SaveToNewFrame))}, "
            + $"p90 {EditReport.Ms(results.Select(r => r.SaveToNewFrame), 90)}; counter kept {results.Count(r => r.KeptCounter)}/{results.Count}.");
        notes.Add($"Load average at the end: {Machine.LoadAverage()}.");
        Report.Publish("save-memory", options, "Memory over a session of saves: the host and its warm compiler", Describe(readings, notes));
    }

    private static Reading Read(string when, OursSaveTarget ours, int compilerId)
    {
        Thread.Sleep(Quiet);
        return new Reading(when, ProcessMemory.ResidentBytes(ours.HostProcessId), ProcessMemory.ResidentBytes(compilerId));
    }

    private static string Describe(List<Reading> readings, List<string> notes)
    {
        var first = readings[0];
        var rows = readings.Select(r => new[]
        {
            r.When,
            ProcessMemory.Megabytes(r.Host),
            ProcessMemory.Megabytes(r.Compiler),
        }).Append(
        [
            "growth from the warm-up edit",
            ProcessMemory.Megabytes(readings[^1].Host - first.Host),
            ProcessMemory.Megabytes(readings[^1].Compiler - first.Compiler),
        ]);

        var text = new System.Text.StringBuilder(Report.Table(["reading", "host VmRSS", "warm compiler VmRSS"], rows)).AppendLine();
        text.AppendLine($"VmRSS from /proc/<pid>/status, {Quiet.TotalSeconds:F0} s after the last edit of each part. The host is the sample "
            + "(`dotnet Host.dll`, 50 ms frames); the warm compiler is its child process running HotReload.Compiler.dll. Each edit is "
            + "a save of Logic.cs with a new constant, awaited until a frame runs it, 500 to 550 ms apart.");
        text.AppendLine();
        foreach (var note in notes)
        {
            text.AppendLine("- " + note);
        }

        return text.ToString();
    }
}
