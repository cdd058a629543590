namespace HotReload.ProcessBench;

/// <summary>
/// Figure `save-memory`: what compiling on save costs in memory over a session. The sample host and its warm
/// compiler are read (VmRSS, from /proc) after the warm-up edit and at four points over the saves, each one awaited
/// until it runs: 100 saves made as full copies (the host started without <c>DOTNET_MODIFIABLE_ASSEMBLIES</c>), then,
/// in a new host started with it, 200 saves patched in place. The compiler keeps the library's compilation in memory,
/// so its size is the price of the fast compile; the host must not grow with full copies, since each old generation is
/// unloaded; with patches the runtime keeps every patched method's old code, so the compiler makes a full copy every
/// 100 patches, which bounds it.
/// </summary>
internal sealed class SaveMemoryFigure(Scratch scratch, PackageFeed feed, Options options)
{
    // Before each reading: the last swap's old generation is collected on a background timer, within a second or two.
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(3);

    // Readings at a quarter, half, three quarters and all of the saves (--quick: after its 2).
    private int Parts => options.Quick ? 1 : 4;

    private sealed record Reading(string When, long Host, long Compiler);

    public void Run()
    {
        var notes = new List<string> { $"Load average (1 / 5 / 15 min) at the start: {Machine.LoadAverage()}." };
        var text = new System.Text.StringBuilder();
        text.AppendLine(Session("Full copies: every save a new generation", patches: false, options.Runs(100), notes));
        text.AppendLine(Session("Patches: every save patched into the live generation", patches: true, options.Runs(200), notes));
        text.AppendLine($"VmRSS from /proc/<pid>/status, {Quiet.TotalSeconds:F0} s after the last edit of each part. The host is the sample "
            + "(`dotnet Host.dll`, 50 ms frames); the warm compiler is its child process running HotReload.Compiler.dll. Each edit is "
            + "a save of Logic.cs with a new constant, awaited until a frame runs it, 500 to 550 ms apart.");
        text.AppendLine();
        notes.Add($"Load average at the end: {Machine.LoadAverage()}.");
        foreach (var note in notes)
        {
            text.AppendLine("- " + note);
        }

        Report.Publish("save-memory", options, "Memory over a session of saves: the host and its warm compiler, full copies and patches", text.ToString());
    }

    private string Session(string title, bool patches, int edits, List<string> notes)
    {
        var readings = new List<Reading>();
        var results = new List<EditResult>();
        int compilerId;
        var name = patches ? "patches" : "full copies";
        using (var ours = new OursSaveTarget(scratch, feed, patches: patches))
        {
            var session = new EditSession(ours, notes, name + ": ");
            session.Start();
            compilerId = ours.CompilerProcessId;
            readings.Add(Read("after the warm-up edit", ours, compilerId));
            // Readings on the way show whether the growth levels off or goes on.
            for (var part = 1; part <= Parts; part++)
            {
                var done = edits * part / Parts;
                results.AddRange(session.Edits(EditKind.Constant, done - results.Count, "memory run, " + name));
                readings.Add(Read($"after {done} more edits", ours, compilerId));
            }

            if (ours.CompilerProcessId != compilerId)
            {
                notes.Add($"{name}: the warm compiler's process changed during the edits ({compilerId} → {ours.CompilerProcessId}): it was restarted.");
            }

            var patched = results.Count(r => r.ToolMessage is { } m && SaveSplit.IsPatchedLine(m));
            notes.Add(patches
                ? $"{name}: {patched} of the {edits} edits were patched in place; the others went live as full copies ({string.Join("; ", ours.FullCopyReasons.Select(r => $"`{r.Key}` ×{r.Value}"))}); old generations unloaded: {ours.Unloads}."
                : $"{name}: old generations unloaded by the host: {ours.Unloads} of the {edits + 1} released by the run's swaps.");
            if (ours.Summary() is { } summary)
            {
                notes.Add($"{name}: {summary}");
            }
        }

        notes.Add($"{name}: save → first new frame over the {edits} edits: p50 {EditReport.Ms(results.Select(r => r.SaveToNewFrame))}, "
            + $"p90 {EditReport.Ms(results.Select(r => r.SaveToNewFrame), 90)}; counter kept {results.Count(r => r.KeptCounter)}/{results.Count}.");
        return $"{title}:{Environment.NewLine}{Environment.NewLine}{Describe(readings)}";
    }

    private static Reading Read(string when, OursSaveTarget ours, int compilerId)
    {
        Thread.Sleep(Quiet);
        return new Reading(when, ProcessMemory.ResidentBytes(ours.HostProcessId), ProcessMemory.ResidentBytes(compilerId));
    }

    private static string Describe(List<Reading> readings)
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

        return Report.Table(["reading", "host VmRSS", "warm compiler VmRSS"], rows);
    }
}
