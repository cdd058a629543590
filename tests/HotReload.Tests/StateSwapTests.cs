using System.Reflection;
using HotReload.Runtime;
using HotReload.Tests.Migration;
using HotReload.Tests.Shared;

namespace HotReload.Tests;

/// <summary>State migration through the whole swap: a library opened live, copies published, the host's Update.</summary>
public sealed class StateSwapTests : IDisposable
{
    private readonly CopyCompiler _compiler = new();

    /// <summary>A library whose Step counts in a static field (by <paramref name="step"/>) and in a host counter.</summary>
    private static string Source(int step, string extra = "", string marker = "") => $$"""
        namespace Game
        {
            public static class Logic
            {
                static long total;
                public static long Step(HotReload.Tests.Shared.Counter counter) { counter.Value++; total += {{step}}; {{marker}} return total; }
                {{extra}}
            }
        }
        """;

    private (ReloadableLibrary Library, LiveFunc<Counter, long> Step) Open(string source, ReloadOptions? options = null)
    {
        var library = _compiler.CompileStatic(source);
        _compiler.PublishCopy(1, source);
        var reloadable = ReloadableLibrary.Open(library, _compiler.CopiesDirectory, options);
        var step = reloadable.Bind(library.GetType("Game.Logic")!.GetMethod("Step")!.CreateDelegate<Func<Counter, long>>());
        return (reloadable, step);
    }

    [Fact]
    public void The_librarys_static_state_continues_across_swaps_and_each_old_generation_unloads()
    {
        var (library, step) = Open(Source(1));
        using var _ = library;
        var changes = new List<GenerationChangedEventArgs>();
        var unloaded = new List<int>();
        library.GenerationChanged += (_, e) => changes.Add(e);
        library.GenerationUnloaded += (_, e) => unloaded.Add(e.Generation);
        var counter = new Counter();
        step.Invoke(counter);
        step.Invoke(counter);
        Assert.Equal(3, step.Invoke(counter));

        _compiler.PublishCopy(2, Source(10, "static int added = 5;"));
        HostLoop.WaitForSwap(library, 2);
        Assert.Equal(13, step.Invoke(counter));
        _compiler.PublishCopy(3, Source(100));
        HostLoop.WaitForSwap(library, 3);
        Assert.Equal(113, step.Invoke(counter));

        HostLoop.UpdateUntil(library, () => unloaded.Count == 2, "generations 1 and 2 to unload");
        Assert.Equal([1, 2], unloaded.Order());
        var migration = changes[0].Migration!;
        Assert.NotNull(migration);
        Assert.True(migration.Time > TimeSpan.Zero && migration.Time <= changes[0].SwapTime, $"{migration.Time} in {changes[0].SwapTime}");
        Assert.Contains("Logic.added removed", changes[1].Migration!.Changes);
    }

    [Fact]
    public void A_tracked_host_object_gets_the_new_generations_objects_in_place()
    {
        var (library, step) = Open(Source(1, "public static void Park(HotReload.Tests.Migration.Slots s) => s.Marker = new Marker { N = 7 };") + "\nnamespace Game { public class Marker { public int N; } }");
        using var _ = library;
        var slots = library.Track(new Slots());
        var unloaded = new List<int>();
        library.GenerationUnloaded += (_, e) => unloaded.Add(e.Generation);
        var first = Park(library, slots);

        _compiler.PublishCopy(2, Source(1, "public static void Park(HotReload.Tests.Migration.Slots s) => s.Marker = new Marker { N = 7 };") + "\nnamespace Game { public class Marker { public int N; public string Tag = \"t\"; } }");
        HostLoop.WaitForSwap(library, 2);

        Assert.False(Same(first, slots.Marker), "the host's object still holds generation 1's object");
        Assert.EndsWith(".2", slots.Marker!.GetType().Assembly.GetName().Name);
        Assert.Equal(7, (int)slots.Marker.GetType().GetField("N")!.GetValue(slots.Marker)!);
        Assert.Equal("t", slots.Marker.GetType().GetField("Tag")!.GetValue(slots.Marker));
        HostLoop.UpdateUntil(library, () => unloaded.Contains(1), "generation 1 to unload");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool Same(WeakReference weak, object? other) => ReferenceEquals(weak.Target, other);

    /// <summary>Generation 1 parks its object in the host's slots; in a frame of its own, so no temporary keeps generation 1.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private WeakReference Park(ReloadableLibrary library, Slots slots)
    {
        library.BindDelegate(StaticMethod<Action<Slots>>("Park")).Invoke(slots);
        return new WeakReference(slots.Marker!);
    }

    [Fact]
    public void Tracking_an_object_of_the_library_is_refused_and_static_mode_only_returns_the_root()
    {
        var (library, _) = Open(Source(1, "public static object Make() => new Marker();") + "\nnamespace Game { public class Marker { } }");
        using (library)
        {
            var marker = library.Bind(StaticMethod<Func<object>>("Make")).Invoke();
            var error = Assert.Throws<HotReloadException>(() => library.Track(marker));
            Assert.StartsWith("HR2016: Track needs an object of the host, but got a Game.Marker", error.Message);
        }

        using var other = new CopyCompiler();
        using var statically = ReloadableLibrary.Open(other.CompileStatic(Source(1)));
        var root = new Slots();
        Assert.Same(root, statically.Track(root));
    }

    [Fact]
    public void A_migration_that_fails_refuses_the_copy_and_the_old_generation_keeps_its_state()
    {
        var (library, step) = Open(Source(1) + "\nnamespace Game { public class Marker { } public static class Holder { static Marker m = new(); } }");
        using var _ = library;
        var failures = new List<ReloadFailedEventArgs>();
        library.ReloadFailed += (_, e) => failures.Add(e);
        var counter = new Counter();
        step.Invoke(counter);
        step.Invoke(counter);

        _compiler.PublishCopy(2, Source(1) + "\nnamespace Game { public class Marker { [HotReload.Runtime.OnMigrated] void Up(HotReload.Runtime.MigrationSource s) => throw new System.InvalidOperationException(\"broken\"); } public static class Holder { static Marker m = new(); } }");
        HostLoop.UpdateUntil(library, () => failures.Count > 0, "the copy to be refused");

        var failure = Assert.Single(failures);
        Assert.StartsWith("HR2012: the [OnMigrated] hook Game.Marker.Up threw InvalidOperationException: broken. The copy is refused and generation 1 keeps running with its state unchanged.", failure.Message);
        Assert.Equal(1, library.Generation);
        Assert.Equal(3, step.Invoke(counter));

        _compiler.PublishCopy(3, Source(1) + "\nnamespace Game { public class Marker { } public static class Holder { static Marker m = new(); } }");
        HostLoop.WaitForSwap(library, 3);
        Assert.Equal(4, step.Invoke(counter));
    }

    [Fact]
    public void A_rollback_moves_the_state_back_into_the_generation_it_returns_to()
    {
        var (library, step) = Open(Source(1), new ReloadOptions { RollbackOnException = true });
        using var _ = library;
        var faults = new List<GenerationFaultedEventArgs>();
        library.GenerationFaulted += (_, e) => faults.Add(e);
        var counter = new Counter();
        step.Invoke(counter);
        step.Invoke(counter);

        _compiler.PublishCopy(2, Source(10, marker: "if (total > 20) throw new System.InvalidOperationException(\"too big\");"));
        HostLoop.WaitForSwap(library, 2);
        Assert.Equal(12, step.Invoke(counter));
        Assert.Equal(23, step.Invoke(counter)); // threw after total became 22 in generation 2; generation 1 runs the call again

        HostLoop.UpdateUntil(library, () => faults.Count > 0, "the fault to be reported");
        Assert.True(faults[0].RolledBack);
        Assert.Equal(1, library.Generation);
        Assert.NotNull(faults[0].Migration);
        Assert.Equal(24, step.Invoke(counter));
    }

    [Fact]
    public void The_migration_is_planned_while_the_copy_loads_and_only_for_the_generation_it_was_planned_from()
    {
        var (library, _) = Open(Source(1, "static System.Collections.Generic.List<Item> items = new(); public class Item { public int V; }"));
        using var _1 = library;
        _compiler.PublishCopy(2, Source(2, "static System.Collections.Generic.List<Item> items = new(); public class Item { public int V; public int W = 1; }"));
        var (preparer, tracker, live) = PreparerBeside(library);
        using var _2 = tracker;
        preparer.PrepareNewest();
        var prepared = preparer.Take()!;

        Assert.NotNull(prepared.Planner);
        Assert.Contains(prepared.Planner!.Plans, p => p is CopyPlan { From.Name: "Item" });
        Assert.Single(prepared.Planner.Statics);
        var other = live with { Number = 99 };
        Assert.NotSame(prepared.Planner, prepared.TakePlanner(other));
        Assert.Null(prepared.Planner); // taken once
        prepared.Context.Unload();
    }

    [Fact]
    public void A_copy_taken_for_its_switch_is_not_prepared_again_while_the_switch_runs()
    {
        var (library, _) = Open(Source(1, "static int n;"));
        using var _1 = library;
        _compiler.PublishCopy(2, Source(2, "static int n;"));
        var (preparer, tracker, _) = PreparerBeside(library); // generation 1 stays its live one: the switch to 2 has not finished
        using var _2 = tracker;
        preparer.PrepareNewest();
        var taken = preparer.Take();
        Assert.Equal(2, taken?.Generation);

        preparer.PrepareNewest(); // the copy folder changed again during the switch (the watcher sees a publication as several events)

        var again = preparer.Take();
        again?.Context.Unload();
        Assert.Null(again);
        taken!.Context.Unload();
    }

    [Fact]
    public void A_loaded_hook_that_throws_after_the_migration_leaves_the_tracked_host_object_untouched()
    {
        const string parked = "public static void Park(HotReload.Tests.Migration.Slots s) => s.Marker = new Marker();";
        var (library, _) = Open(Source(1, parked) + "\nnamespace Game { public class Marker { } }");
        using var _1 = library;
        var slots = library.Track(new Slots());
        var failures = new List<ReloadFailedEventArgs>();
        library.ReloadFailed += (_, e) => failures.Add(e);
        Park(library, slots);
        var generationOfMarker = slots.Marker!.GetType().Assembly.GetName().Name;

        _compiler.PublishCopy(2, Source(1, parked) + "\nnamespace Game { public class Marker { [HotReload.Runtime.OnGenerationLoaded] static void Fail() => throw new System.InvalidOperationException(\"no\"); } }");
        HostLoop.UpdateUntil(library, () => failures.Count > 0, "the copy to be refused");

        Assert.StartsWith("HR2008: the [OnGenerationLoaded] hook Game.Marker.Fail of generation 2 threw", Assert.Single(failures).Message);
        Assert.Equal(1, library.Generation);
        Assert.Equal(generationOfMarker, slots.Marker!.GetType().Assembly.GetName().Name); // migrated, but never committed
    }

    /// <summary>A second preparer of the library's copies, whose live generation stays the one live now.</summary>
    private (CopyPreparer Preparer, UnloadTracker Tracker, LiveGeneration Live) PreparerBeside(ReloadableLibrary library)
    {
        var folder = new GenerationFolder(_compiler.CopiesDirectory, _compiler.Name);
        var tracker = new UnloadTracker(() => { }, new StallDiagnosis("Game", null, StallDiagnosisMode.InProcess), TimeSpan.FromSeconds(10), collect: false);
        var live = LiveOf(library);
        return (new CopyPreparer(folder, new BindingSet(), tracker, () => live, _ => { }, () => { }), tracker, live);
    }

    private static LiveGeneration LiveOf(ReloadableLibrary library)
    {
        var session = (LiveSession)typeof(ReloadableLibrary).GetField("_live", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(library)!;
        return session.Current!;
    }

    private T StaticMethod<T>(string name) where T : Delegate =>
        Assembly.LoadFrom(Path.Combine(_compiler.Root, "static", _compiler.Name + ".dll")).GetType("Game.Logic")!.GetMethod(name)!.CreateDelegate<T>();

    public void Dispose() => _compiler.Dispose();
}
