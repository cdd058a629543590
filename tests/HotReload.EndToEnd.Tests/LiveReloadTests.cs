namespace HotReload.EndToEnd.Tests;

/// <summary>
/// A real host process runs while the library is edited and rebuilt with `dotnet build`, the other way to reload
/// (the host is built with HotReloadCompileOnSave=false, so only the builds make copies).
/// </summary>
public sealed class LiveReloadTests
{
    private static bool IsCounter(string line) => long.TryParse(line, out _);

    private static List<(TimeSpan At, long Value)> Counters(HostProcess host, int from = 0) =>
        host.Lines.Skip(from).Where(l => IsCounter(l.Text)).Select(l => (l.At, long.Parse(l.Text))).ToList();

    [Fact]
    public void An_edit_goes_live_in_the_same_process_with_the_counter_kept()
    {
        using var ws = new Workspace();
        ws.BuildHost("-p:HotReloadCompileOnSave=false").ShouldSucceed();
        using var host = ws.StartHost();
        host.WaitFor(l => l.Contains("generation 1 running", StringComparison.Ordinal), "the host to start on copy 1");
        host.WaitFor(l => l == "20", "a few frames");

        var swaps = new List<(int Generation, int Step)> { (2, 10), (3, 100), (4, 1) };
        var previousStep = 1;
        foreach (var (generation, step) in swaps)
        {
            ws.Edit(ws.LogicFile, $"state.Counter += {previousStep};", $"state.Counter += {step};");
            var linesBefore = host.Lines.Count;
            var build = ws.BuildLibrary().ShouldSucceed();
            var buildEnded = host.Now;
            Assert.Contains($"reloadable copy {generation}", build.Output);

            var live = host.WaitFor(l => l.StartsWith($"[hotreload] generation {generation} live · built by dotnet build", StringComparison.Ordinal),
                $"generation {generation} to go live", from: linesBefore);

            // The new step shows within 2 s of the build's end, and the counter goes on from where it was.
            var counters = Counters(host, from: linesBefore);
            host.WaitFor(_ => Counters(host, linesBefore).Count(c => c.At > host.Lines[live].At) >= 3, "frames after the swap", from: live);
            counters = Counters(host, from: linesBefore);
            var after = counters.Where(c => c.At > host.Lines[live].At).ToList();
            var before = counters.Where(c => c.At <= host.Lines[live].At).ToList();
            Assert.True(after[1].Value - after[0].Value == step, $"step {step} expected after the swap:{Environment.NewLine}{host.Transcript()}");
            Assert.True(after[0].At - buildEnded < TimeSpan.FromSeconds(2), $"the new code ran {(after[0].At - buildEnded).TotalMilliseconds} ms after the build ended");
            if (before.Count > 0)
            {
                Assert.Equal(before[^1].Value + previousStep, after[0].Value);
            }

            previousStep = step;
        }

        // Same process throughout: the start banner was printed once, and the counter never went back.
        Assert.False(host.HasExited);
        Assert.Single(host.Lines, l => l.Text.Contains(" running", StringComparison.Ordinal));
        var all = Counters(host);
        Assert.All(all.Zip(all.Skip(1)), pair => Assert.True(pair.Second.Value > pair.First.Value, $"{pair.First.Value} then {pair.Second.Value}"));

        // Old generations leave the process.
        foreach (var old in new[] { 1, 2, 3 })
        {
            host.WaitFor(l => l.StartsWith($"[hotreload] generation {old} unloaded", StringComparison.Ordinal), $"generation {old} to unload", TimeSpan.FromSeconds(15));
        }
    }

    [Fact]
    public void A_compile_error_fails_the_build_and_the_host_keeps_the_last_good_code()
    {
        using var ws = new Workspace();
        ws.BuildHost("-p:HotReloadCompileOnSave=false").ShouldSucceed();
        using var host = ws.StartHost();
        host.WaitFor(l => l == "10", "a few frames");

        ws.Edit(ws.LogicFile, "state.Counter += 1;", "state.Counter += \"one\";");
        var build = ws.BuildLibrary().ShouldFail();
        Assert.Contains("error CS0029", build.Output); // the compiler's own error, with file and line
        Assert.Contains("Logic.cs(", build.Output);
        Assert.Equal([1], ws.Copies());

        // The copy started beside the failed compile was abandoned when the build ended: nothing left behind.
        Assert.Empty(Directory.EnumerateDirectories(ws.CopiesFolder, ".staging-*"));

        var at = host.Lines.Count;
        var last = Counters(host).Last().Value;
        host.WaitFor(l => long.TryParse(l, out var v) && v >= last + 10, "ten more frames", from: at);
        Assert.DoesNotContain(host.Lines, l => l.Text.Contains(" live · ", StringComparison.Ordinal)); // no new generation

        // Fixing the error resumes reloading from the same state.
        ws.Edit(ws.LogicFile, "state.Counter += \"one\";", "state.Counter += 5;");
        ws.BuildLibrary().ShouldSucceed();
        // The failed build's early compile gave its number back when it was abandoned.
        Assert.Equal([1, 2], ws.Copies());
        const int fixedCopy = 2;
        var live = host.WaitFor(l => l.StartsWith($"[hotreload] generation {fixedCopy} live · built by dotnet build", StringComparison.Ordinal), $"generation {fixedCopy}");
        host.WaitFor(_ => Counters(host, live).Count >= 2, $"frames on generation {fixedCopy}", from: live);
        var resumed = Counters(host, live);
        Assert.Equal(5, resumed[1].Value - resumed[0].Value);
        Assert.True(resumed[0].Value > last);
    }

    [Fact]
    public void Clean_while_the_host_runs_then_builds_still_go_live_with_higher_numbers()
    {
        using var ws = new Workspace();
        ws.BuildHost("-p:HotReloadCompileOnSave=false").ShouldSucceed();
        using var host = ws.StartHost();
        host.WaitFor(l => l == "5", "a few frames");
        ws.Edit(ws.LogicFile, "state.Counter += 1;", "state.Counter += 2;");
        ws.BuildLibrary().ShouldSucceed();
        host.WaitFor(l => l.StartsWith("[hotreload] generation 2 live", StringComparison.Ordinal), "generation 2");

        ws.Run("clean", "StateManipulation").ShouldSucceed();
        Assert.False(Directory.Exists(ws.CopiesFolder));

        var previous = 2;
        foreach (var step in new[] { 3, 4 })
        {
            ws.Edit(ws.LogicFile, $"state.Counter += {step - 1};", $"state.Counter += {step};");
            var at = host.Lines.Count;
            ws.BuildLibrary().ShouldSucceed();
            var copy = Assert.Single(ws.Copies(), c => c > previous); // numbering went on through the clean
            host.WaitFor(l => l.StartsWith($"[hotreload] generation {copy} live", StringComparison.Ordinal), $"copy {copy} after the clean", from: at);
            LiveEdits.WaitForStep(host, step, at, $"the step {step}");
            previous = copy;
        }
    }
}
