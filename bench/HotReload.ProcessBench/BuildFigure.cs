using System.Text.RegularExpressions;

namespace HotReload.ProcessBench;

/// <summary>
/// Figure `build`: what LiveReload=true adds to `dotnet build StateManipulation`, after a one-line edit and with no
/// edit, with the compiler server off (this machine's default) and on. LiveReload=true and false builds alternate
/// in the same workspace, and which goes first alternates each round, so drift on a noisy machine hits both alike.
/// </summary>
internal sealed partial class BuildFigure(Scratch scratch, PackageFeed feed, Options options)
{
    // Profiled pairs per series after the timed rounds (--quick: one, which proves the profile parses).
    private int ProfileRuns => options.Quick ? 1 : 3;

    private int _constant = 1; // the N of `state.Counter += N;`, new on every edit

    public void Run()
    {
        var loadAtStart = Machine.LoadAverage();
        var workspace = new SampleWorkspace(scratch, feed);
        Console.WriteLine("Build figure: first build of the workspace (restore, compile, copy 1)...");
        workspace.BuildLibrary().ThrowIfFailed();

        var series = new List<BuildSeries>();
        var diagnoses = new List<string>();
        foreach (var server in new[] { false, true })
        {
            string[] extra = server ? ["-p:UseSharedCompilation=true"] : [];
            var edit = Measure(workspace, BuildKind.Edit, server, extra);
            if (edit.Alongside < 0.9 * edit.OnOutputs.Count)
            {
                diagnoses.Add(Diagnose(workspace, server, extra));
            }

            series.Add(edit);
            // A no-op build compiles nothing, so the compiler server has nothing to do in it: --quick leaves that series out.
            if (!(server && options.Quick))
            {
                series.Add(Measure(workspace, BuildKind.NoOp, server, extra));
            }
        }

        // Only the compiler server (VBCSCompiler) was started by these builds; leave other build servers alone.
        workspace.DotNet.Run("build-server", "shutdown", "--vbcscompiler");
        var load = $"Load average (1 / 5 / 15 min): {loadAtStart} at the start, {Machine.LoadAverage()} at the end.";
        Report.Publish("build", options, "Build overhead of LiveReload=true", BuildReport.Describe(series, diagnoses, load));
    }

    private BuildSeries Measure(SampleWorkspace workspace, BuildKind kind, bool server, string[] extra)
    {
        var label = $"{kind} builds, compiler server {(server ? "on" : "off")}";
        Console.WriteLine($"{label}: warm-up");
        // LiveReload=true first: after an edit built with LiveReload=false it makes the copy that the
        // no-op rounds must then find up to date.
        Build(workspace, kind, true, extra);
        Build(workspace, kind, false, extra);

        var series = new BuildSeries(kind, server, [], [], [], []);
        var runs = options.Runs(20);
        for (var round = 0; round < runs; round++)
        {
            var times = new Dictionary<bool, double>();
            foreach (var liveReload in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var result = Build(workspace, kind, liveReload, extra);
                times[liveReload] = result.Elapsed.TotalMilliseconds;
                if (result.CpuTime is { } cpu)
                {
                    (liveReload ? series.OnCpu : series.OffCpu).Add(cpu.TotalSeconds);
                }

                if (liveReload)
                {
                    series.OnOutputs.Add(BuildOutput.Parse(result.Output));
                }
            }

            series.On.Add(times[true]);
            series.Off.Add(times[false]);
            series.Ratios.Add(times[true] / times[false]);
            Console.WriteLine($"{label}: round {round + 1}/{runs}: true {times[true]:F0} ms, false {times[false]:F0} ms");
        }

        Profile(workspace, series, extra);
        return series;
    }

    /// <summary>A few more builds, with MSBuild's per-target times: where the extra wall time of LiveReload=true goes.</summary>
    private void Profile(SampleWorkspace workspace, BuildSeries series, string[] extra)
    {
        Console.WriteLine($"{series.Kind} builds: {ProfileRuns} profiled pairs");
        for (var round = 0; round < ProfileRuns; round++)
        {
            foreach (var liveReload in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var times = TargetTimes.Parse(Build(workspace, series.Kind, liveReload, [.. extra, "-clp:PerformanceSummary"]).Output);
                (liveReload ? series.OnCoreCompile : series.OffCoreCompile).Add(times["CoreCompile"]);
                if (liveReload)
                {
                    series.OnSdkTargets.Add(times.HotReloadTargets);
                }
            }
        }
    }

    private DotNet.Result Build(SampleWorkspace workspace, BuildKind kind, bool liveReload, string[] extra, string? verbosity = null)
    {
        if (kind == BuildKind.Edit)
        {
            EditLogic(workspace);
        }

        string[] arguments = [$"-p:LiveReload={(liveReload ? "true" : "false")}", .. extra];
        return workspace.BuildLibrary(verbosity is null ? arguments : [.. arguments, $"-v:{verbosity}"]).ThrowIfFailed();
    }

    private void EditLogic(SampleWorkspace workspace)
    {
        var text = File.ReadAllText(workspace.LogicFile);
        var edited = StepLine().Replace(text, $"state.Counter += {++_constant};");
        if (edited == text)
        {
            throw new InvalidOperationException($"`state.Counter += N;` not found in {workspace.LogicFile}");
        }

        SourceFile.Save(workspace.LogicFile, edited);
    }

    /// <summary>Edit builds whose copy was compiled again after CoreCompile: the -v:n output says why.</summary>
    private string Diagnose(SampleWorkspace workspace, bool server, string[] extra)
    {
        var lines = new List<string>();
        for (var round = 0; round < 3; round++)
        {
            Build(workspace, BuildKind.Edit, false, extra);
            var result = Build(workspace, BuildKind.Edit, true, extra, verbosity: "n");
            var reasons = BuildOutput.StaleReasons(result.Output).ToList();
            lines.Add($"  - compiled alongside: {BuildOutput.Parse(result.Output).CompiledAlongside}; stale: "
                + (reasons.Count == 0 ? "(no stale message)" : string.Join("; ", reasons)));
        }

        return $"Diagnosis with -v:n, compiler server {(server ? "on" : "off")} (3 edit builds after a LiveReload=false edit build):"
            + Environment.NewLine + string.Join(Environment.NewLine, lines);
    }

    [GeneratedRegex(@"state\.Counter \+= \d+;")]
    private static partial Regex StepLine();
}
