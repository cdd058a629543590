using System.Reflection;
using HotReload.Runtime;

namespace HotReload.Tests;

/// <summary>
/// The stall diagnosis: the helper's report as the runtime reads it, the choice of the way to search, the lines a host
/// prints; and the helper itself, run as the runtime runs it, on this very process holding a released generation in the
/// ways only a search from outside can see (a thread, a GC handle, a Task.Delay, a list in a static field).
/// </summary>
public sealed class StallDiagnosisTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly CopyCompiler _compiler = new();

    [Fact]
    public void The_helpers_report_is_read_into_causes_with_their_kind_path_and_location()
    {
        var report = DiagnosisHelper.Parse([
            StallProtocol.Line(StallProtocol.Holder, StallProtocol.Kinds.Thread, "thread 'w' (managed id 9)", "/src/Logic.cs(4,9)", "thread 'w' (managed id 9) → Game.Logic.Work", "thread 'w' ..."),
            StallProtocol.Line(StallProtocol.Holder, StallProtocol.Kinds.GCHandle, "a GC handle (Normal)", "", "a GC handle (Normal) → a Game.Item of the generation", "a GC handle ..."),
            StallProtocol.Line(StallProtocol.Holder, "a kind from a newer helper", "r", "", "r", "r ..."),
            StallProtocol.Line(StallProtocol.Done, "attached live", "0", "812"),
        ])!;

        Assert.Null(report.Refusal);
        Assert.False(report.Gone);
        Assert.Equal("attached live", report.Method);
        Assert.Equal(TimeSpan.Zero, report.HostPause);
        Assert.Equal([StallRootKind.Thread, StallRootKind.GCHandle, StallRootKind.Other], report.Causes.Select(c => c.Kind));
        Assert.Equal(["thread 'w' (managed id 9)", "Game.Logic.Work"], report.Causes[0].Path);
        Assert.Equal("/src/Logic.cs(4,9)", report.Causes[0].Location);
        Assert.Null(report.Causes[1].Location);
    }

    [Fact]
    public void A_refusal_and_a_generation_gone_are_reported_as_such_and_a_report_cut_short_is_none()
    {
        Assert.Equal("no ptrace", DiagnosisHelper.Parse([StallProtocol.Line(StallProtocol.Refused, "no ptrace")])!.Refusal);
        Assert.True(DiagnosisHelper.Parse([StallProtocol.Line(StallProtocol.Gone)])!.Gone);
        Assert.Null(DiagnosisHelper.Parse([StallProtocol.Line(StallProtocol.Holder, StallProtocol.Kinds.Thread, "t", "", "t", "t")]));
        Assert.Null(DiagnosisHelper.Parse(["Unhandled exception. System.IO.FileNotFoundException: ..."]));
    }

    [Fact]
    public void A_live_read_that_crashed_is_read_again_from_a_dump_and_a_refusal_is_not()
    {
        var found = new HelperReport([], "from a dump", TimeSpan.FromMilliseconds(40), null, Gone: false);
        var runs = new List<bool>();
        HelperReport Run(bool dumpOnly, HelperReport live, HelperReport dump)
        {
            runs.Add(dumpOnly);
            return dumpOnly ? dump : live;
        }

        // Crashed live (a fault in the data access library, or out of time): the dump's report.
        var again = StallDiagnosis.ReadHolders(d => Run(d, HelperReport.Failed("the helper failed (exit code 139)"), found), dumpOnly: false);
        Assert.Equal("from a dump (read live, the helper failed (exit code 139))", again.Method);
        Assert.Same(found.Causes, again.Causes);
        Assert.Equal([false, true], runs);

        // Both failed: both reasons are said.
        runs.Clear();
        var both = StallDiagnosis.ReadHolders(d => Run(d, HelperReport.Failed("the helper failed (exit code 139)"), HelperReport.Refused("a dump was refused (no)")), dumpOnly: false);
        Assert.Equal("read live, the helper failed (exit code 139); from a dump, a dump was refused (no)", both.Refusal);

        // Refused live: the helper tried the dump itself; not run again.
        runs.Clear();
        var refused = HelperReport.Refused("attaching to the host was refused (x) and a dump was refused (y)");
        Assert.Same(refused, StallDiagnosis.ReadHolders(d => Run(d, refused, found), dumpOnly: false));
        Assert.Equal([false], runs);

        // Dump only, and it crashed: not run again.
        runs.Clear();
        Assert.True(StallDiagnosis.ReadHolders(d => Run(d, found, HelperReport.Failed("the helper took longer than 20 s")), dumpOnly: true).Crashed);
        Assert.Equal([true], runs);
    }

    [Fact]
    public void A_live_read_during_which_the_heap_moved_is_read_again_then_from_a_dump_when_every_read_saw_it()
    {
        var cause = new StallCause(StallRootKind.StaticField, "Common.Hub.Items", ["Common.Hub.Items", "a Game.Item of the generation"], null, "the static field ...");
        var live = new HelperReport([cause], "attached live", TimeSpan.Zero, null, Gone: false);
        var moved = live with { HeapMoved = true };
        var reads = new Queue<HelperReport>([moved, live]);
        var calm = StallDiagnosis.ReadHolders(_ => reads.Dequeue(), dumpOnly: false);
        Assert.Equal(live, calm);
        Assert.Empty(reads);

        // Every live read saw a collection (a holder may have moved out of its sight): the dump, a consistent snapshot.
        var thread = new StallCause(StallRootKind.Thread, "thread 'w' (managed id 9)", ["thread 'w' (managed id 9)", "Game.Logic.Work"], null, "...");
        var dump = new HelperReport([cause, thread], StallProtocol.FromDump, TimeSpan.FromMilliseconds(600), null, Gone: false);
        var runs = new List<bool>();
        var restless = StallDiagnosis.ReadHolders(d => { runs.Add(d); return d ? dump : moved; }, dumpOnly: false);
        Assert.Equal([.. Enumerable.Repeat(false, StallDiagnosis.MostLiveReads), true], runs);
        Assert.Equal($"from a dump (read live, a collection ran during each of {StallDiagnosis.MostLiveReads} reads)", restless.Method);
        Assert.Equal([cause, thread], restless.Causes);

        // The dump refused: the last live read stands, and says a holder may be missing, and why there is no dump.
        var refused = StallDiagnosis.ReadHolders(d => d ? HelperReport.Refused("a dump was refused (no)") : moved, dumpOnly: false);
        Assert.Equal($"attached live (a collection ran during each of {StallDiagnosis.MostLiveReads} reads: a holder may be missing) (from a dump, a dump was refused (no))", refused.Method);
        Assert.Equal([cause], refused.Causes);
    }

    [Fact]
    public void A_live_read_that_found_no_holder_is_read_again_from_a_dump_which_sees_the_threads_locals()
    {
        var none = new HelperReport([], "attached live", TimeSpan.Zero, null, Gone: false);
        var local = new StallCause(StallRootKind.Stack, "a local of Host.Run on thread (managed id 1)", ["a local of Host.Run on thread (managed id 1)", "a Game.Item of the generation"], null, "...");
        var dump = new HelperReport([local], "from a dump", TimeSpan.FromMilliseconds(900), null, Gone: false);
        var runs = new List<bool>();
        var found = StallDiagnosis.ReadHolders(d => { runs.Add(d); return d ? dump : none; }, dumpOnly: false);
        Assert.Equal([false, true], runs);
        Assert.Equal("from a dump (read live, no holder found)", found.Method);
        Assert.Equal([local], found.Causes);

        // The dump refused: the live read's (empty) report stands, and says why there is no second look.
        var refused = StallDiagnosis.ReadHolders(d => d ? HelperReport.Refused("a dump was refused (no)") : none, dumpOnly: false);
        Assert.Null(refused.Refusal);
        Assert.Equal("attached live (from a dump, a dump was refused (no))", refused.Method);

        // Gone while read: no dump.
        runs.Clear();
        var gone = none with { Gone = true };
        Assert.Same(gone, StallDiagnosis.ReadHolders(d => { runs.Add(d); return gone; }, dumpOnly: false));
        Assert.Equal([false], runs);
    }

    [Fact]
    public void A_generation_not_found_while_its_context_lives_is_read_again_from_a_dump_and_only_then()
    {
        var gone = new HelperReport([], "", TimeSpan.Zero, null, Gone: true);
        var cause = new StallCause(StallRootKind.Thread, "thread 'w' (managed id 9)", ["thread 'w' (managed id 9)", "Game.Logic.Work"], null, "...");
        var dump = new HelperReport([cause], StallProtocol.FromDump, TimeSpan.FromMilliseconds(500), null, Gone: false);
        var runs = new List<bool>();

        // Missed live (the host's assembly list changed under the reader) while the context lives: a dump finds it.
        var found = StallDiagnosis.ReadWhileAlive(d => { runs.Add(d); return d ? dump : gone; }, dumpOnly: false, alive: () => true);
        Assert.Equal([false, true], runs);
        Assert.Equal([cause], found.Causes);
        Assert.Equal(StallProtocol.FromDump + " (read live, the generation was not found)", found.Method);

        // Really gone (the context was collected meanwhile): no dump, no pause.
        runs.Clear();
        Assert.Same(gone, StallDiagnosis.ReadWhileAlive(d => { runs.Add(d); return d ? dump : gone; }, dumpOnly: false, alive: () => false));
        Assert.Equal([false], runs);

        // The dump refused: the first answer stands (the caller says the generation was not found).
        Assert.Same(gone, StallDiagnosis.ReadWhileAlive(d => d ? HelperReport.Refused("a dump was refused (no)") : gone, dumpOnly: false, alive: () => true));

        // Dump mode: a second dump, said as itself.
        runs.Clear();
        var second = StallDiagnosis.ReadWhileAlive(d => { runs.Add(d); return runs.Count == 1 ? gone : dump; }, dumpOnly: true, alive: () => true);
        Assert.Equal([true, true], runs);
        Assert.Equal(StallProtocol.FromDump, second.Method);
    }

    [Fact]
    public void A_live_read_holds_collections_off_and_knows_when_one_ran_all_the_same()
    {
        // Other test classes run beside this one and may collect, which ends the region: so the region is looked at
        // only where nothing can have collected, and a collection of our own proves Collected.
        var pause = CollectionPause.Start();
        var started = System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion;
        Assert.True(started || pause.Collected, "the region neither began nor was ended by a collection");
        GC.Collect();
        Assert.True(pause.Collected);
        pause.Dispose();
        Assert.NotEqual(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);

        // A region the host opened itself: left alone, before and after ours would have been disposed.
        Assert.True(GC.TryStartNoGCRegion(1024 * 1024));
        try
        {
            var nested = CollectionPause.Start();
            var collected = nested.Collected;
            nested.Dispose();
            if (!collected && !nested.Collected)
            {
                Assert.Equal(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);
            }
        }
        finally
        {
            if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }
    }

    [Fact]
    public void A_read_the_helper_made_from_a_dump_itself_is_never_taken_again()
    {
        // Attaching refused (Yama's ptrace_scope): the helper wrote and read a dump in its one run. No holder in it, or
        // a collection during it, is no reason for a second dump: the host would pause again for nothing.
        var fromDump = new HelperReport([], StallProtocol.FromDump, TimeSpan.FromMilliseconds(500), null, Gone: false);
        var runs = new List<bool>();
        Assert.Equal(fromDump, StallDiagnosis.ReadHolders(d => { runs.Add(d); return fromDump; }, dumpOnly: false));
        Assert.Equal([false], runs);
    }

    [Theory]
    [InlineData("auto", StallDiagnosisMode.Auto)]
    [InlineData("Dump", StallDiagnosisMode.Dump)]
    [InlineData(" in-process ", StallDiagnosisMode.InProcess)]
    [InlineData("something else", null)]
    [InlineData(null, null)]
    public void The_environment_variable_names_a_mode(string? value, StallDiagnosisMode? mode) =>
        Assert.Equal(mode, StallDiagnosis.ModeFrom(value));

    [Fact]
    public void Each_holder_is_a_line_in_the_canonical_format_where_its_source_is_known()
    {
        var causes = new[]
        {
            new StallCause(StallRootKind.StaticEvent, "Common.Clock.Tick", ["Common.Clock.Tick", "a delegate to Game.Logic.OnTick"], "/src/Logic.cs(12,5)", "the static event Common.Clock.Tick → a delegate to Game.Logic.OnTick (detach it)"),
            new StallCause(StallRootKind.GCHandle, "a GC handle (Normal)", ["a GC handle (Normal)", "a Game.Item of the generation"], null, "a GC handle (Normal) → a Game.Item of the generation (free it)"),
        };
        var stall = new UnloadStalledEventArgs(3, TimeSpan.FromSeconds(11), true, causes, new StallSearch("attached live", TimeSpan.FromMilliseconds(900), TimeSpan.Zero, null));

        Assert.Equal([
            "/src/Logic.cs(12,5): warning HR2009: generation 3 is still in memory 11 s after its release, held by the static event Common.Clock.Tick → a delegate to Game.Logic.OnTick (detach it).",
            "HR2009: generation 3 is still in memory 11 s after its release, held by a GC handle (Normal) → a Game.Item of the generation (free it).",
        ], stall.Lines);
        Assert.Equal("HR2009: generation 3 is still in memory 11 s after its release; held by the static event Common.Clock.Tick → a delegate to Game.Logic.OnTick (detach it); a GC handle (Normal) → a Game.Item of the generation (free it).", stall.Message);

        var none = new UnloadStalledEventArgs(3, TimeSpan.FromSeconds(11), true, [], new StallSearch("in-process", TimeSpan.Zero, TimeSpan.Zero, "a dump was refused (no port)"));
        Assert.Equal([none.Message], none.Lines);
        Assert.EndsWith("(searched in-process only, which cannot see threads, GC handles or the framework's events: a dump was refused (no port))", none.Message);
    }

    [Fact]
    public void The_helper_is_found_beside_the_warm_compiler_the_manifest_names_or_the_reason_is_said()
    {
        Assert.Null(DiagnosisHelper.Locate(null, out var noManifest));
        Assert.Contains("no HotReload manifest", noManifest);

        var tools = Path.Combine(_compiler.Root, "tools");
        var manifest = WriteManifest(tools);
        Assert.Null(DiagnosisHelper.Locate(manifest, out var missing));
        Assert.Contains(Path.Combine(tools, DiagnosisHelper.FolderName, DiagnosisHelper.FileName), missing);

        Directory.CreateDirectory(Path.Combine(tools, DiagnosisHelper.FolderName));
        File.WriteAllText(Path.Combine(tools, DiagnosisHelper.FolderName, DiagnosisHelper.FileName), "");
        Assert.Equal(Path.Combine(tools, DiagnosisHelper.FolderName, DiagnosisHelper.FileName), DiagnosisHelper.Locate(manifest, out _)!.Tool);
    }

    private const string Leaks = """
        namespace Game;
        public class Item { public int Id = 7; }
        public static class Logic
        {
            public static string Step(HotReload.Tests.Shared.Counter counter) { counter.Value++; return "leaky"; }

            [HotReload.Runtime.OnGenerationLoaded]
            static void Leak()
            {
                HotReload.Tests.StallHolders.Handles.Add(System.Runtime.InteropServices.GCHandle.Alloc(new Item()));
                HotReload.Tests.StallHolders.Kept.Add(new Item());
                HotReload.Tests.StallHolders.Pending = Wait();
                new System.Threading.Thread(Work) { Name = "stall-worker", IsBackground = true }.Start();
            }

            static async System.Threading.Tasks.Task Wait() =>
                await System.Threading.Tasks.Task.Delay(600_000, HotReload.Tests.StallHolders.Cancel.Token);

            static void Work()
            {
                while (!HotReload.Tests.StallHolders.Stop.IsCancellationRequested)
                {
                    System.Threading.Thread.Sleep(10);
                }
            }
        }
        """;

    [Fact]
    public void The_helper_names_every_holder_of_a_released_generation_in_a_real_process_with_the_path_from_its_root()
    {
        // The helper as the package lays it out: in diagnosis/ beside the warm compiler that the manifest names.
        var tools = Path.Combine(_compiler.Root, "tools");
        CopyFolder(DiagnosisOutput(), Path.Combine(tools, DiagnosisHelper.FolderName));
        var library = _compiler.CompileStatic(Source("static"));
        _compiler.PublishCopy(1, Leaks);
        AppContext.SetData(ReloadableLibrary.ConfigurationPrefix + _compiler.Name, _compiler.CopiesDirectory);
        AppContext.SetData(ReloadableLibrary.CompilerConfigurationPrefix + _compiler.Name, WriteManifest(tools));
        StallHolders.Begin();
        using var reloadable = ReloadableLibrary.Open(library, new ReloadOptions { CompileOnSave = false, UnloadStallTimeout = TimeSpan.FromMilliseconds(300) });
        var stalls = new List<UnloadStalledEventArgs>();
        var unloads = new List<GenerationUnloadedEventArgs>();
        reloadable.UnloadStalled += (_, e) => stalls.Add(e);
        reloadable.GenerationUnloaded += (_, e) => unloads.Add(e);

        _compiler.PublishCopy(2, Source("clean"));
        HostLoop.WaitForSwap(reloadable, 2);
        UpdateUntil(reloadable, () => stalls.Count > 0, "generation 1's stall to be searched", TimeSpan.FromSeconds(60));

        var stall = Assert.Single(stalls);
        output.WriteLine($"{stall.DiagnosisMethod}, {stall.DiagnosisTime.TotalMilliseconds:F0} ms, host paused {stall.HostPause.TotalMilliseconds:F0} ms");
        output.WriteLine(string.Join(Environment.NewLine, stall.Lines));
        Assert.Null(stall.FallbackReason);
        // Live unless the live read crashed on the heap moving under it (this process runs other tests meanwhile, and
        // they collect): then from a dump.
        Assert.Matches("^(attached live|from a dump)", stall.DiagnosisMethod);
        Assert.Contains(stall.Causes, c => c.Kind == StallRootKind.Thread && c.Root.StartsWith("thread 'stall-worker' (managed id ", StringComparison.Ordinal)
            && c.Path[^1] == "Game.Logic.Work");
        Assert.Contains(stall.Causes, c => c.Kind == StallRootKind.GCHandle && c.Path.SequenceEqual(["a GC handle (Normal)", "a Game.Item of the generation"]));
        Assert.Contains(stall.Causes, c => c.Kind == StallRootKind.StaticField && c.Path.SequenceEqual(
            ["HotReload.Tests.StallHolders.Kept", "System.Collections.Generic.List<System.Object>._items", "System.Object[][0]", "a Game.Item of the generation"]));
        Assert.Contains(stall.Causes, c => c.Kind == StallRootKind.Timer && c.Root == "a Task.Delay in flight" && c.Path[^1].Contains("the async method Game.Logic.Wait", StringComparison.Ordinal));
        Assert.Empty(unloads);

        // Let go of all of it: the late unload is reported.
        StallHolders.Reset();
        UpdateUntil(reloadable, () => unloads.Count > 0, "generation 1's late unload", TimeSpan.FromSeconds(30));
        Assert.True(Assert.Single(unloads).WasStalled);
    }

    private static string Source(string marker) => $$"""
        namespace Game;
        public static class Logic
        {
            public static string Step(HotReload.Tests.Shared.Counter counter) { counter.Value++; return "{{marker}}"; }
        }
        """;

    private string WriteManifest(string tools)
    {
        var path = Path.Combine(_compiler.Root, _compiler.Name + ".hotreload.manifest");
        File.WriteAllLines(path, [$"compiler-tool={Path.Combine(tools, "HotReload.Compiler.dll")}", $"dotnet-host={Environment.ProcessPath ?? "dotnet"}"]);
        return path;
    }

    private static string DiagnosisOutput() =>
        typeof(StallDiagnosisTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DiagnosisOutput").Value!;

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static void UpdateUntil(ReloadableLibrary library, Func<bool> done, string what, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            library.Update();
            Thread.Sleep(5);
        }
    }

    public void Dispose()
    {
        StallHolders.Reset();
        _compiler.Dispose();
    }
}

/// <summary>What the host of <see cref="StallDiagnosisTests"/> holds for the library: a GC handle, a list, a Task.Delay, a thread's stop.</summary>
public static class StallHolders
{
    public static List<System.Runtime.InteropServices.GCHandle> Handles { get; } = [];

    public static List<object> Kept { get; } = [];

    public static Task? Pending { get; set; }

    public static CancellationTokenSource Cancel { get; private set; } = new();

    public static CancellationTokenSource Stop { get; private set; } = new();

    public static void Begin()
    {
        Cancel = new CancellationTokenSource();
        Stop = new CancellationTokenSource();
    }

    /// <summary>Lets go of everything: the thread returns, the Task.Delay is cancelled.</summary>
    public static void Reset()
    {
        Handles.ForEach(h => h.Free());
        Handles.Clear();
        Kept.Clear();
        Cancel.Cancel();
        Stop.Cancel();
        Pending = null;
    }
}
