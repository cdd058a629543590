using static HotReload.EndToEnd.Tests.LiveEdits;

namespace HotReload.EndToEnd.Tests;

/// <summary>
/// Several programs on one library (a server and its clients, two instances of a tool): one warm compiler compiles,
/// the others stand by, and one save makes one copy that every host goes live on.
/// </summary>
public sealed class MultiHostTests
{
    private const string Compiling = "[hotreload] compiling StateManipulation on save";
    private const string StandingBy = "[hotreload] another host compiles StateManipulation on save";

    private static bool IsReady(string line) =>
        line.StartsWith(Compiling, StringComparison.Ordinal) || line.StartsWith(StandingBy, StringComparison.Ordinal);

    private static bool Compiles(HostProcess host) => host.Lines.Any(l => l.Text.StartsWith(Compiling, StringComparison.Ordinal));

    [Fact]
    public void One_save_makes_one_copy_for_every_host_and_a_standby_takes_over_when_the_compiling_host_dies()
    {
        using var ws = new Workspace();
        ws.BuildHost().ShouldSucceed();
        var hosts = new List<HostProcess>();
        var compilers = new List<int>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                hosts.Add(ws.StartHost());
            }

            foreach (var host in hosts)
            {
                host.WaitFor(IsReady, "the host's compiler to compile or stand by", TimeSpan.FromMinutes(2));
                compilers.AddRange(host.Children());
            }

            var active = Assert.Single(hosts, Compiles);

            // One save: one copy, live in all three, with the state of each kept.
            var before = ws.Copies();
            var marks = hosts.Select(h => h.Lines.Count).ToList();
            File.WriteAllText(ws.LogicFile, Logic("10"));
            for (var i = 0; i < hosts.Count; i++)
            {
                WaitForStep(hosts[i], 10, marks[i], $"host {i + 1} to go live on the save");
            }

            var copy = Assert.Single(ws.Copies().Except(before));
            Assert.All(hosts, h => Assert.Contains(h.Lines, l => l.Text.StartsWith($"[hotreload] generation {copy} live · ", StringComparison.Ordinal)));

            // A compile error is shown by every host.
            marks = hosts.Select(h => h.Lines.Count).ToList();
            File.WriteAllText(ws.LogicFile, Logic("\"ten\""));
            for (var i = 0; i < hosts.Count; i++)
            {
                hosts[i].WaitFor(l => l.Contains("error CS0029", StringComparison.Ordinal), $"host {i + 1} to show the compile error", from: marks[i]);
            }

            // The compiling host dies; another takes over, and the next save goes live in both that remain.
            active.KillHostOnly();
            var remaining = hosts.Where(h => h != active).ToList();
            remaining[0].WaitFor(_ => remaining.Any(Compiles), "another host's compiler to take over", TimeSpan.FromSeconds(30));
            Assert.Single(remaining, Compiles);
            Assert.Contains(remaining.SelectMany(h => h.Lines), l => l.Text.Contains("(took over from the host that compiled it", StringComparison.Ordinal));

            before = ws.Copies();
            marks = remaining.Select(h => h.Lines.Count).ToList();
            File.WriteAllText(ws.LogicFile, Logic("20"));
            for (var i = 0; i < remaining.Count; i++)
            {
                WaitForStep(remaining[i], 20, marks[i], $"remaining host {i + 1} to go live after the takeover");
            }

            var afterTakeover = Assert.Single(ws.Copies().Except(before));

            // A host started later starts on the newest copy, and stands by.
            var late = ws.StartHost();
            hosts.Add(late);
            late.WaitFor(l => l.Contains($"generation {afterTakeover} running", StringComparison.Ordinal), "the late host to start on the newest copy");
            late.WaitFor(l => l.StartsWith(StandingBy, StringComparison.Ordinal), "the late host's compiler to stand by", TimeSpan.FromMinutes(2));
            compilers.AddRange(late.Children());
            var lateMark = late.Lines.Count;
            File.WriteAllText(ws.LogicFile, Logic("30"));
            WaitForStep(late, 30, lateMark, "the late host to go live on a save");
        }
        finally
        {
            // Each host killed alone, so that only the compilers' own watch on their host can end them.
            foreach (var host in hosts)
            {
                host.KillHostOnly();
            }
        }

        // Every compiler ended with its host.
        Assert.Equal(4, compilers.Distinct().Count());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (compilers.Any(HostProcess.IsRunning) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        Assert.All(compilers, pid => Assert.False(HostProcess.IsRunning(pid), $"compiler process {pid} outlived its host"));
        foreach (var host in hosts)
        {
            host.Dispose();
        }
    }
}
