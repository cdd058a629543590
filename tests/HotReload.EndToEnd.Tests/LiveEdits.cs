namespace HotReload.EndToEnd.Tests;

/// <summary>Edits of the sample's Logic.cs and what a host shows of them: shared by the save-to-live tests.</summary>
internal static class LiveEdits
{
    public static string Logic(string step, string extra = "") => $$"""
        using Common;

        namespace StateManipulation;

        public static class Logic
        {
            public static State NewState() => new();

            public static void UpdateAndRender(Platform platform, State state)
            {
                platform.Print(state.Counter.ToString());
                state.Counter += {{step}};
            }
        }
        {{extra}}
        """;

    public static List<(TimeSpan At, long Value)> Counters(HostProcess host, int from = 0) =>
        host.Lines.Skip(from).Where(l => long.TryParse(l.Text, out _)).Select(l => (l.At, long.Parse(l.Text))).ToList();

    /// <summary>Waits until two consecutive counter lines after <paramref name="from"/> differ by <paramref name="step"/>;
    /// asserts the counter never went back (the state was kept).</summary>
    public static void WaitForStep(HostProcess host, long step, int from, string what)
    {
        host.WaitFor(_ =>
        {
            var counters = Counters(host, from);
            return counters.Zip(counters.Skip(1)).Any(p => p.Second.Value - p.First.Value == step);
        }, what, TimeSpan.FromMinutes(2), from);
        var all = Counters(host);
        Assert.All(all.Zip(all.Skip(1)), p => Assert.True(p.Second.Value > p.First.Value, $"the counter went from {p.First.Value} to {p.Second.Value}: state lost{Environment.NewLine}{host.Transcript()}"));
    }

    /// <summary>Builds the host (unless <paramref name="build"/> is false) and starts it live on generation <paramref name="generation"/>.</summary>
    public static HostProcess StartLiveHost(Workspace ws, IReadOnlyDictionary<string, string>? environment = null, bool build = true, int generation = 1)
    {
        if (build)
        {
            ws.BuildHost().ShouldSucceed();
        }

        var host = ws.StartHost(environment: environment);
        try
        {
            host.WaitFor(l => l.Contains($"compiling on save; generation {generation} running", StringComparison.Ordinal), "the host to start live with its compiler");
            host.WaitForCompiler();
            return host;
        }
        catch
        {
            host.Dispose(); // not returned, so no one else ends it
            throw;
        }
    }
}
