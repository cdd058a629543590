using static HotReload.EndToEnd.Tests.LiveEdits;

namespace HotReload.EndToEnd.Tests;

/// <summary>
/// Saves patched into the live generation: a real host started the documented way (<c>dotnet run</c>, whose
/// launchSettings.json sets <c>DOTNET_MODIFIABLE_ASSEMBLIES=debug</c>), real saves, and what every host of the library
/// does with them.
/// </summary>
public sealed class PatchTests
{
    private static readonly Dictionary<string, string> Patching = new() { ["DOTNET_MODIFIABLE_ASSEMBLIES"] = "debug" };

    // A static field of the library, printed each frame: a patch must leave it counting on (a full copy migrates it).
    private static string LogicWithFrames(string step, string extra = "") => Logic(step, extra).Replace(
        "platform.Print(state.Counter.ToString());",
        "s_frames++; if (s_frames % 10 == 0) platform.Print(\"frames=\" + s_frames); platform.Print(state.Counter.ToString());",
        StringComparison.Ordinal).Replace(
        "public static State NewState() => new();",
        "static long s_frames; public static State NewState() => new();",
        StringComparison.Ordinal);

    [Fact]
    public void Body_edits_are_patched_in_place_with_every_static_kept_and_a_rude_edit_is_a_full_copy_that_patches_then_continue()
    {
        using var ws = new Workspace();
        ws.BuildHost().ShouldSucceed();
        using var host = new HostProcess(ws.DotNet.StartInfo("run", "--project", "Host", "--no-build", "--", "--frames", "100000"));
        host.WaitFor(l => l.Contains("compiling on save; generation 1 running", StringComparison.Ordinal), "the host to start live with its compiler");
        host.WaitForCompiler();
        Assert.DoesNotContain(host.Lines, l => l.Text.Contains("HR2018", StringComparison.Ordinal)); // launchSettings.json set the variable

        // The host started on the build's copy, which this compiler did not make: the first save is a full copy.
        var at = host.Lines.Count;
        File.WriteAllText(ws.LogicFile, LogicWithFrames("2"));
        WaitForStep(host, 2, at, "the first save to go live");
        host.WaitFor(l => l.Contains("generation 2 live", StringComparison.Ordinal), "generation 2", from: at);

        // Twenty body edits in a row: each one a patch of generation 2, live, with the library's static counting on.
        for (var step = 3; step <= 22; step++)
        {
            at = host.Lines.Count;
            File.WriteAllText(ws.LogicFile, LogicWithFrames(step.ToString()));
            WaitForStep(host, step, at, $"the body edit to step {step} to go live");
            host.WaitFor(l => l.Contains($"generation 2 patched ({step - 2})", StringComparison.Ordinal), $"patch {step - 2}", from: at);
        }

        Assert.DoesNotContain(host.Lines, l => l.Text.Contains("generation 3", StringComparison.Ordinal));
        AssertFramesCountOn(host);

        // A field added: not a patch; a full copy, which migrates the state, and says why.
        at = host.Lines.Count;
        File.WriteAllText(ws.LogicFile, LogicWithFrames("23", "internal static class Extra { }").Replace("static long s_frames;", "static long s_frames; static int s_added = 5;", StringComparison.Ordinal));
        WaitForStep(host, 23, at, "the rude edit to go live");
        host.WaitFor(l => l.Contains("full copy: Logic.s_added was added (a field)", StringComparison.Ordinal), "the reason for the full copy", from: at);
        host.WaitFor(l => l.Contains("generation 3 live", StringComparison.Ordinal), "generation 3", from: at);

        // And patches go on, on the new copy: a body edit, and a method added with its caller.
        at = host.Lines.Count;
        File.WriteAllText(ws.LogicFile, LogicWithFrames("Twice(12)", "internal static class Extra { }").Replace("static long s_frames;", "static long s_frames; static int s_added = 5; static int Twice(int n) => 2 * n;", StringComparison.Ordinal));
        WaitForStep(host, 24, at, "the added method to go live");
        var patched = host.WaitFor(l => l.Contains("generation 3 patched (1)", StringComparison.Ordinal), "a patch of generation 3", from: at);
        Assert.Contains("Logic.Twice added", host.Lines[patched].Text, StringComparison.Ordinal);
        AssertFramesCountOn(host);
        Assert.False(host.HasExited);
    }

    [Fact]
    public void Every_host_applies_the_same_patches_a_late_host_replays_them_and_a_host_that_cannot_patch_gets_full_copies()
    {
        using var ws = new Workspace();
        using var first = StartLiveHost(ws, Patching);

        // The first save after start is a patch too: of the build's copy, which its PDB proves current.
        var at = first.Lines.Count;
        File.WriteAllText(ws.LogicFile, Logic("9"));
        first.WaitFor(l => l.Contains("generation 1 patched (1)", StringComparison.Ordinal), "the first save to patch the build's copy", from: at);
        WaitForStep(first, 9, at, "the first save");

        at = first.Lines.Count;
        File.WriteAllText(ws.LogicFile, LogicWithFrames("2"));
        WaitForStep(first, 2, at, "a field added (a full copy)");
        first.WaitFor(l => l.Contains("generation 2 live", StringComparison.Ordinal), "generation 2", from: at);
        for (var step = 3; step <= 5; step++)
        {
            at = first.Lines.Count;
            File.WriteAllText(ws.LogicFile, LogicWithFrames(step.ToString()));
            first.WaitFor(l => l.Contains($"generation 2 patched ({step - 2})", StringComparison.Ordinal), $"patch {step - 2}", from: at);
        }

        // A host started after three patches loads copy 2 and replays them: it runs the code of the last save.
        using var late = StartStandingBy(ws, Patching);
        late.WaitFor(l => l.Contains("generation 2 patched (3)", StringComparison.Ordinal), "the late host to replay the three patches");
        WaitForStep(late, 5, 0, "the late host to run the last save's code");

        // One more save: one compile, and both hosts apply it.
        at = first.Lines.Count;
        var lateAt = late.Lines.Count;
        File.WriteAllText(ws.LogicFile, LogicWithFrames("6"));
        first.WaitFor(l => l.Contains("generation 2 patched (4)", StringComparison.Ordinal), "patch 4 in the first host", from: at);
        late.WaitFor(l => l.Contains("generation 2 patched (4)", StringComparison.Ordinal), "patch 4 in the late host", from: lateAt);
        WaitForStep(late, 6, lateAt, "the late host to run patch 4");

        // A host without the variable: it says once how to turn patching on, and while it runs saves are full copies.
        using (var plain = StartStandingBy(ws, null))
        {
            var hint = plain.WaitFor(l => l.Contains("HR2018: saves go live as full copies, not patches: DOTNET_MODIFIABLE_ASSEMBLIES=debug was not set", StringComparison.Ordinal), "the hint");
            Assert.Contains("launchSettings.json", plain.Lines[hint].Text, StringComparison.Ordinal);
            at = first.Lines.Count;
            var plainAt = plain.Lines.Count;
            File.WriteAllText(ws.LogicFile, LogicWithFrames("7"));
            first.WaitFor(l => l.Contains($"the host in process {plain.Id} cannot apply patches", StringComparison.Ordinal) || l.Contains("cannot apply patches", StringComparison.Ordinal), "the reason for the full copy", from: at);
            WaitForStep(first, 7, at, "the full copy in the first host");
            WaitForStep(plain, 7, plainAt, "the full copy in the host without the variable");
            Assert.Single(plain.Lines, l => l.Text.Contains("HR2018: saves go live as full copies", StringComparison.Ordinal));
            // It started on copy 2 after its patches: it said it runs that copy as it was until the full copy.
            Assert.Contains(plain.Lines, l => l.Text.Contains("HR2018: generation 2 has patches this host cannot apply", StringComparison.Ordinal));
        }

        // That host gone, saves are patches again.
        at = first.Lines.Count;
        File.WriteAllText(ws.LogicFile, LogicWithFrames("8"));
        first.WaitFor(l => l.Contains("patched (1)", StringComparison.Ordinal), "patches again once the host without the variable ended", from: at);
        WaitForStep(first, 8, at, "the patch to step 8");
    }

    [Fact]
    public void A_patch_that_throws_rolls_back_to_the_patches_before_it_and_a_refused_patch_becomes_a_full_copy_at_once()
    {
        using var ws = new Workspace();
        using var host = StartLiveHost(ws, Patching); // the sample opts into ReloadOptions.RollbackOnException

        var at = host.Lines.Count;
        File.WriteAllText(ws.LogicFile, Logic("3"));
        host.WaitFor(l => l.Contains("generation 1 patched (1)", StringComparison.Ordinal), "patch 1", from: at);
        WaitForStep(host, 3, at, "patch 1 to run");

        // Patch 2 throws: back to generation 1 with patch 1, loaded afresh, state moved; the loop goes on.
        at = host.Lines.Count;
        File.WriteAllText(ws.LogicFile, Logic("1; if (state.Counter > 0) throw new System.InvalidOperationException(\"boom\")"));
        var fault = host.WaitFor(l => l.Contains("HR2007: StateManipulation.Logic.UpdateAndRender threw InvalidOperationException in generation 1 after patch 2: boom", StringComparison.Ordinal),
            "the fault to be rolled back", from: at);
        Assert.Contains("Rolled back to generation 1 with patch 1 only", host.Lines[fault].Text, StringComparison.Ordinal);
        WaitForStep(host, 3, fault, "patch 1's code to run again");
        Assert.False(host.HasExited);

        // The fix: a full copy (the host runs fewer patches than the compiler made), with the state.
        at = host.Lines.Count;
        File.WriteAllText(ws.LogicFile, Logic("4"));
        host.WaitFor(l => l.Contains("cannot apply patches (a patch's code threw", StringComparison.Ordinal), "the reason for the full copy", from: at);
        host.WaitFor(l => l.Contains("generation 2 live", StringComparison.Ordinal), "generation 2", from: at);
        WaitForStep(host, 4, at, "the fix to run");

        // A patch the runtime cannot apply (here a damaged file in its place): refused, no crash, and a full copy of the
        // same code goes live without a save.
        at = host.Lines.Count;
        var patch = Path.Combine(ws.CopiesFolder, "2", "1.patch");
        File.WriteAllBytes(patch + ".tmp", [1, 2, 3, 4]);
        File.Move(patch + ".tmp", patch);
        host.WaitFor(l => l.Contains("HR2017: patch 1 of generation 2 was not applied", StringComparison.Ordinal), "the refusal", from: at);
        host.WaitFor(l => l.Contains("generation 3 live", StringComparison.Ordinal), "a full copy without a save", from: at);
        WaitForStep(host, 4, at, "the same code to run on");
        Assert.False(host.HasExited);
    }

    [Fact]
    public void A_save_still_being_written_when_its_compile_starts_is_compiled_again_once_whole_and_never_shown_broken()
    {
        using var ws = new Workspace();
        using var host = StartLiveHost(ws, Patching);

        // The compile starts at a save's first event. Each save here is written in two parts a moment apart: the first
        // half (which does not compile) and then the rest, as an editor writing a large file in chunks would. A compile
        // of the half must be dropped for the whole, never reported as an error, never published.
        for (var step = 3; step <= 7; step++)
        {
            var at = host.Lines.Count;
            var gap = WriteInTwoParts(ws.LogicFile, Logic(step.ToString()));
            host.WaitFor(l => l.Contains($"generation 1 patched ({step - 2})", StringComparison.Ordinal), $"patch {step - 2}", from: at);
            WaitForStep(host, step, at, $"step {step} to go live");

            // Only a gap shorter than the compiler's quiet window is one save; a preempted test thread can make it longer.
            if (gap < TimeSpan.FromMilliseconds(8))
            {
                Assert.DoesNotContain(host.Lines.Skip(at), l => l.Text.Contains("did not compile", StringComparison.Ordinal) || l.Text.Contains("error CS", StringComparison.Ordinal));
            }
        }

        Assert.DoesNotContain(host.Lines, l => l.Text.Contains("generation 2", StringComparison.Ordinal));
        Assert.False(host.HasExited);
    }

    /// <summary>Writes <paramref name="text"/> over <paramref name="path"/> in two writes about 2 ms apart; returns the time between them.</summary>
    private static TimeSpan WriteInTwoParts(string path, string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        using var stream = new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(bytes, 0, bytes.Length / 2);
        stream.Flush();
        var gap = System.Diagnostics.Stopwatch.StartNew();
        while (gap.Elapsed < TimeSpan.FromMilliseconds(2))
        {
            Thread.SpinWait(100);
        }

        stream.Write(bytes, bytes.Length / 2, bytes.Length - bytes.Length / 2);
        stream.Flush();
        return gap.Elapsed;
    }

    /// <summary>A second host of the library, on copy 2: its compiler stands by while the first host's compiles.</summary>
    private static HostProcess StartStandingBy(Workspace ws, IReadOnlyDictionary<string, string>? environment)
    {
        var host = ws.StartHost(environment: environment);
        try
        {
            host.WaitFor(l => l.Contains("compiling on save; generation 2 running", StringComparison.Ordinal), "the host to start live on copy 2");
            host.WaitFor(l => l.StartsWith("[hotreload] another host compiles StateManipulation on save", StringComparison.Ordinal), "its compiler to stand by", TimeSpan.FromMinutes(2));
            return host;
        }
        catch
        {
            host.Dispose(); // not returned, so no one else ends it
            throw;
        }
    }

    private static void AssertFramesCountOn(HostProcess host)
    {
        static List<long> Frames(HostProcess host) => host.Lines.Where(l => l.Text.StartsWith("frames=", StringComparison.Ordinal)).Select(l => long.Parse(l.Text["frames=".Length..])).ToList();
        var before = Frames(host).Count;
        host.WaitFor(_ => Frames(host).Count >= before + 2, "the library's static frame count to be printed twice more");
        var frames = Frames(host);
        Assert.All(frames.Zip(frames.Skip(1)), p => Assert.True(p.Second == p.First + 10, $"the library's static went from {p.First} to {p.Second}: it was reset{Environment.NewLine}{host.Transcript()}"));
    }
}
