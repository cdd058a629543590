using HotReload.Runtime;
using HotReload.Tests.Shared;

namespace HotReload.Tests;

/// <summary>
/// Rollback on an exception, lifecycle hooks and the diagnosis of a generation that does not unload. One class, so
/// its tests (which share the static <see cref="HostEvents"/> and <see cref="HookLog"/>) never run side by side.
/// </summary>
public sealed class FaultAndLifecycleTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly CopyCompiler _compiler = new();

    /// <summary>Step adds <paramref name="step"/> to the counter, then runs <paramref name="body"/>; it reports its marker.</summary>
    private static string Source(int step, string marker, string body = "", string extra = "") => $$"""
        namespace Game;
        public static class Logic
        {
            public static string Step(HotReload.Tests.Shared.Counter counter) { counter.Value += {{step}}; {{body}} return "{{marker}}"; }
            {{extra}}
        }
        """;

    private const string Throws = "if (counter.Value > 0) throw new System.InvalidOperationException(\"bad edit\");";

    private ReloadableLibrary Open(ReloadOptions options, out LiveFunc<Counter, string> step, string firstCopy)
    {
        var library = _compiler.CompileStatic(Source(1, "static"));
        _compiler.PublishCopy(1, firstCopy);
        var reloadable = ReloadableLibrary.Open(library, _compiler.CopiesDirectory, options);
        step = reloadable.Bind(library.GetType("Game.Logic")!.GetMethod("Step")!.CreateDelegate<Func<Counter, string>>());
        return reloadable;
    }

    [Fact]
    public void With_rollback_a_faulting_generation_is_reported_and_the_last_clean_one_runs_the_call_again()
    {
        using var reloadable = Open(new ReloadOptions { RollbackOnException = true }, out var step, Source(1, "one"));
        var faults = new List<GenerationFaultedEventArgs>();
        reloadable.GenerationFaulted += (_, e) => faults.Add(e);
        var counter = new Counter();
        Assert.Equal("one", step.Invoke(counter));

        _compiler.PublishCopy(2, Source(10, "two", Throws));
        HostLoop.WaitForSwap(reloadable, 2);

        // Generation 2 adds 10 then throws; generation 1 runs the call again: the half-done change stays, as documented.
        Assert.Equal("one", step.Invoke(counter));
        Assert.Equal(1 + 10 + 1, counter.Value);
        Assert.Equal(1, reloadable.Generation);

        HostLoop.UpdateUntil(reloadable, () => faults.Count > 0, "the fault to be reported");
        var fault = Assert.Single(faults);
        Assert.Equal(2, fault.Generation);
        Assert.Equal("Game.Logic.Step", fault.EntryPoint);
        Assert.IsType<InvalidOperationException>(fault.Exception);
        Assert.True(fault.RolledBack);
        Assert.Equal(1, fault.LiveGeneration);
        Assert.StartsWith("HR2007: Game.Logic.Step threw InvalidOperationException in generation 2", fault.Message);

        // Generation 2 is never loaded again, though it is still the newest copy; the next newer copy goes live.
        HostLoop.UpdateFor(reloadable, TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, reloadable.Generation);
        Assert.Equal("one", step.Invoke(counter));
        _compiler.PublishCopy(3, Source(1, "three"));
        HostLoop.WaitForSwap(reloadable, 3);
        Assert.Equal("three", step.Invoke(counter));
    }

    [Fact]
    public void Rollback_goes_back_past_generations_that_faulted_too()
    {
        using var reloadable = Open(new ReloadOptions { RollbackOnException = true }, out var step, Source(1, "one"));
        var counter = new Counter();
        step.Invoke(counter);
        _compiler.PublishCopy(2, Source(1, "two"));
        HostLoop.WaitForSwap(reloadable, 2);
        step.Invoke(counter);
        _compiler.PublishCopy(3, Source(1, "three", Throws));
        HostLoop.WaitForSwap(reloadable, 3);

        Assert.Equal("two", step.Invoke(counter)); // 3 faults: back to 2, the last clean one
        Assert.Equal(2, reloadable.Generation);
    }

    [Fact]
    public void Without_rollback_the_exception_reaches_the_host()
    {
        using var reloadable = Open(new ReloadOptions(), out var step, Source(1, "one"));
        var faults = 0;
        reloadable.GenerationFaulted += (_, _) => faults++;
        step.Invoke(new Counter());
        _compiler.PublishCopy(2, Source(1, "two", Throws));
        HostLoop.WaitForSwap(reloadable, 2);

        Assert.Throws<InvalidOperationException>(() => step.Invoke(new Counter()));
        reloadable.Update();
        Assert.Equal(2, reloadable.Generation);
        Assert.Equal(0, faults);
    }

    [Fact]
    public void With_rollback_and_no_clean_generation_before_it_the_exception_reaches_the_host()
    {
        using var reloadable = Open(new ReloadOptions { RollbackOnException = true }, out var step, Source(1, "one", Throws));

        var thrown = Assert.Throws<InvalidOperationException>(() => step.Invoke(new Counter()));
        Assert.Equal("bad edit", thrown.Message);
        Assert.Equal(1, reloadable.Generation);
    }

    private const string Hooks = """
        [HotReload.Runtime.OnGenerationLoaded] static void Loaded() => HotReload.Tests.Shared.HookLog.Write("loaded " + Marker);
        [HotReload.Runtime.OnGenerationReleasing] static void Releasing() => HotReload.Tests.Shared.HookLog.Write("releasing " + Marker);
        """;

    [Fact]
    public void Hooks_run_after_a_generation_loads_and_before_it_is_released()
    {
        HookLog.Take();
        var reloadable = Open(new ReloadOptions(), out var step, Source(1, "one", extra: Hooks + "const string Marker = \"one\";"));
        Assert.Equal(["loaded one"], HookLog.Take());

        _compiler.PublishCopy(2, Source(1, "two", extra: Hooks + "const string Marker = \"two\";"));
        HostLoop.WaitForSwap(reloadable, 2);
        Assert.Equal(["loaded two", "releasing one"], HookLog.Take()); // the new one is up before the old one stops

        reloadable.Dispose();
        Assert.Equal(["releasing two"], HookLog.Take());
    }

    [Fact]
    public void A_loaded_hook_that_throws_refuses_the_copy()
    {
        using var reloadable = Open(new ReloadOptions(), out var step, Source(1, "one"));
        var failures = new List<ReloadFailedEventArgs>();
        reloadable.ReloadFailed += (_, e) => failures.Add(e);

        _compiler.PublishCopy(2, Source(1, "two", extra: "[HotReload.Runtime.OnGenerationLoaded] static void Loaded() => throw new System.InvalidOperationException(\"no\");"));
        HostLoop.UpdateUntil(reloadable, () => failures.Count > 0, "the copy to be refused");

        var failure = Assert.Single(failures);
        Assert.StartsWith("HR2008: the [OnGenerationLoaded] hook Game.Logic.Loaded of generation 2 threw InvalidOperationException", failure.Message);
        Assert.Equal(1, reloadable.Generation);
        Assert.Equal("one", step.Invoke(new Counter()));
    }

    [Fact]
    public void A_releasing_hook_that_throws_is_reported_and_the_swap_goes_on()
    {
        using var reloadable = Open(new ReloadOptions(), out var step,
            Source(1, "one", extra: "[HotReload.Runtime.OnGenerationReleasing] static void Releasing() => throw new System.InvalidOperationException(\"no\");"));
        var faults = new List<GenerationFaultedEventArgs>();
        reloadable.GenerationFaulted += (_, e) => faults.Add(e);

        _compiler.PublishCopy(2, Source(1, "two"));
        HostLoop.WaitForSwap(reloadable, 2);
        HostLoop.UpdateUntil(reloadable, () => faults.Count > 0, "the hook's fault to be reported");

        var fault = Assert.Single(faults);
        Assert.StartsWith("HR2008: the [OnGenerationReleasing] hook Game.Logic.Releasing of generation 1", fault.Message);
        Assert.False(fault.RolledBack);
        Assert.Equal(2, fault.LiveGeneration);
        Assert.Equal("two", step.Invoke(new Counter()));
    }

    [Fact]
    public void Every_releasing_hook_runs_even_after_one_throws()
    {
        HookLog.Take();
        using var reloadable = Open(new ReloadOptions(), out _, Source(1, "one", extra: """
            [HotReload.Runtime.OnGenerationReleasing] static void A() => throw new System.InvalidOperationException("no");
            [HotReload.Runtime.OnGenerationReleasing] static void B() => HotReload.Tests.Shared.HookLog.Write("B ran");
            """));

        _compiler.PublishCopy(2, Source(1, "two"));
        HostLoop.WaitForSwap(reloadable, 2);

        Assert.Equal(["B ran"], HookLog.Take()); // a timer B stops must not outlive A's failure
    }

    private const string Subscribes = """
        [HotReload.Runtime.OnGenerationLoaded] static void Attach() => HotReload.Tests.Shared.HostEvents.Tick += OnTick;
        static void OnTick() { }
        """;

    private const string StartsTimer = """
        static System.Threading.Timer? _timer;
        [HotReload.Runtime.OnGenerationLoaded] static void Start() => HotReload.Tests.Shared.HostTimers.Add(_timer = new System.Threading.Timer(_ => { }, null, 100_000, 100_000));
        """;

    [Theory]
    [InlineData(Subscribes, StallRootKind.StaticEvent, "the static event HotReload.Tests.Shared.HostEvents.Tick → a delegate to Game.Logic.OnTick (detach the handler in an [OnGenerationReleasing] hook)")]
    [InlineData(StartsTimer, StallRootKind.Timer, "a System.Threading.Timer → a delegate to a lambda in Game.Logic.Start (dispose or cancel it in an [OnGenerationReleasing] hook)")]
    public void A_generation_held_by_the_host_is_reported_with_its_cause_and_its_late_unload_too(string holds, StallRootKind kind, string cause)
    {
        HostEvents.Clear();
        using var reloadable = Open(new ReloadOptions { UnloadStallTimeout = TimeSpan.FromMilliseconds(300) }, out var step, Source(1, "one", extra: holds));
        var stalls = new List<UnloadStalledEventArgs>();
        var unloads = new List<GenerationUnloadedEventArgs>();
        reloadable.UnloadStalled += (_, e) => stalls.Add(e);
        reloadable.GenerationUnloaded += (_, e) => unloads.Add(e);

        _compiler.PublishCopy(2, Source(1, "two"));
        HostLoop.WaitForSwap(reloadable, 2);
        HostLoop.UpdateUntil(reloadable, () => stalls.Count > 0, "generation 1 to be reported as stalled");

        var stall = Assert.Single(stalls);
        Assert.Equal(1, stall.Generation);
        Assert.True(stall.Causes.Any(c => c.Description == cause && c.Kind == kind), "causes found: " + string.Join(" | ", stall.Causes));
        Assert.StartsWith("HR2009: generation 1 is still in memory", stall.Message);

        // This host has no manifest naming the helper: the runtime searched itself, and says why.
        Assert.Equal("in-process", stall.DiagnosisMethod);
        Assert.Contains("the host has no HotReload manifest", stall.FallbackReason);
        Assert.EndsWith($"(searched in-process only, which cannot see threads, GC handles or the framework's events: {stall.FallbackReason})", stall.Message);
        output.WriteLine($"diagnosis: {stall.DiagnosisTime.TotalMilliseconds:F1} ms: {stall.Message}");
        Assert.Empty(unloads);

        // Let go of it the way a hook would have: the unload that follows is still reported.
        HostEvents.Clear();
        HostTimers.DisposeAll();
        HostLoop.UpdateUntil(reloadable, () => unloads.Count > 0, "generation 1's late unload");
        var unload = Assert.Single(unloads);
        Assert.Equal(1, unload.Generation);
        Assert.True(unload.WasStalled);
    }

    [Theory]
    [InlineData(Subscribes + "[HotReload.Runtime.OnGenerationReleasing] static void Detach() => HotReload.Tests.Shared.HostEvents.Tick -= OnTick;")]
    [InlineData(StartsTimer + "[HotReload.Runtime.OnGenerationReleasing] static void Stop() => _timer?.Dispose();")]
    public void The_same_generation_with_a_releasing_hook_that_lets_go_unloads(string holdsAndLetsGo)
    {
        HostEvents.Clear();
        using var reloadable = Open(new ReloadOptions { UnloadStallTimeout = TimeSpan.FromSeconds(5) }, out var step, Source(1, "one", extra: holdsAndLetsGo));
        var unloads = new List<GenerationUnloadedEventArgs>();
        var stalls = 0;
        reloadable.UnloadStalled += (_, _) => stalls++;
        reloadable.GenerationUnloaded += (_, e) => unloads.Add(e);

        _compiler.PublishCopy(2, Source(1, "two"));
        HostLoop.WaitForSwap(reloadable, 2);
        HostLoop.UpdateUntil(reloadable, () => unloads.Count > 0, "generation 1 to unload");

        Assert.Equal(1, Assert.Single(unloads).Generation);
        Assert.False(unloads[0].WasStalled);
        Assert.Equal(0, stalls);
    }

    public void Dispose()
    {
        HostEvents.Clear();
        HostTimers.DisposeAll();
        _compiler.Dispose();
    }
}
