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
        "                platform.Print(state.Counter.ToString());",
        "                s_frames++;\n                if (s_frames % 10 == 0) platform.Print(\"frames=\" + s_frames);\n                platform.Print(state.Counter.ToString());",
        StringComparison.Ordinal).Replace(
        "            public static State NewState() => new();",
        "            static long s_frames;\n\n            public static State NewState() => new();",
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
        File.WriteAllText(ws.LogicFile, LogicWithFrames("23", "internal static class Extra { }").Replace("static long s_frames;", "static long s_frames;\n            static int s_added = 5;", StringComparison.Ordinal));
        WaitForStep(host, 23, at, "the rude edit to go live");
        host.WaitFor(l => l.Contains("full copy: Logic.s_added was added (a field)", StringComparison.Ordinal), "the reason for the full copy", from: at);
        host.WaitFor(l => l.Contains("generation 3 live", StringComparison.Ordinal), "generation 3", from: at);

        // And patches go on, on the new copy: a body edit, and a method added with its caller.
        at = host.Lines.Count;
        File.WriteAllText(ws.LogicFile, LogicWithFrames("Twice(12)", "").Replace("static long s_frames;", "static long s_frames;\n            static int s_added = 5;\n            static int Twice(int n) => 2 * n;", StringComparison.Ordinal));
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
        var at = first.Lines.Count;
        File.WriteAllText(ws.LogicFile, LogicWithFrames("2"));
        WaitForStep(first, 2, at, "the first save (a full copy)");
        for (var step = 3; step <= 5; step++)
        {
            at = first.Lines.Count;
            File.WriteAllText(ws.LogicFile, LogicWithFrames(step.ToString()));
            first.WaitFor(l => l.Contains($"generation 2 patched ({step - 2})", StringComparison.Ordinal), $"patch {step - 2}", from: at);
        }

        // A host started after three patches loads copy 2 and replays them: it runs the code of the last save.
        using var late = StartLiveHost(ws, Patching, build: false, generation: 2);
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
        using (var plain = StartLiveHost(ws, build: false, generation: 2))
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

    private static void AssertFramesCountOn(HostProcess host)
    {
        var frames = host.Lines.Where(l => l.Text.StartsWith("frames=", StringComparison.Ordinal)).Select(l => long.Parse(l.Text["frames=".Length..])).ToList();
        Assert.True(frames.Count >= 5, host.Transcript());
        Assert.All(frames.Zip(frames.Skip(1)), p => Assert.True(p.Second == p.First + 10, $"the library's static went from {p.First} to {p.Second}: it was reset{Environment.NewLine}{host.Transcript()}"));
    }
}
