extern alias compiler;

using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using HotReload.Runtime;
using HotReload.Tests.Shared;
using Microsoft.CodeAnalysis;
using Layout = compiler::HotReload.CopyLayout; // the format the build and the warm compiler write

namespace HotReload.Tests;

public sealed class ReloadableLibraryTests : IDisposable
{
    private static readonly TimeSpan Patience = HostLoop.Patience;
    private readonly CopyCompiler _compiler = new();

    /// <summary>A library whose Step adds <paramref name="step"/> to the host's counter and reports which build ran.</summary>
    private static string Source(int step, string marker, string extra = "") => $$"""
        namespace Game;
        public static class Logic
        {
            public static string Step(HotReload.Tests.Shared.Counter counter) { counter.Value += {{step}}; return "{{marker}}"; }
            {{extra}}
        }
        """;

    private Func<Counter, string> StaticStep(System.Reflection.Assembly library) =>
        library.GetType("Game.Logic")!.GetMethod("Step")!.CreateDelegate<Func<Counter, string>>();

    /// <summary>The static library and copy 1 (marker "one", step 1), opened live, with Step bound.</summary>
    private ReloadableLibrary OpenOnFirstCopy(out LiveFunc<Counter, string> step)
    {
        var library = _compiler.CompileStatic(Source(1, "static"));
        _compiler.PublishCopy(1, Source(1, "one"));
        var reloadable = ReloadableLibrary.Open(library, _compiler.CopiesDirectory);
        step = reloadable.Bind(StaticStep(library));
        return reloadable;
    }

    [Fact]
    public void Static_mode_runs_the_linked_code_and_loads_nothing()
    {
        var library = _compiler.CompileStatic(Source(1, "static"));
        var direct = StaticStep(library);
        using var reloadable = ReloadableLibrary.Open(library);

        Assert.Equal(ReloadMode.Static, reloadable.Mode);
        Assert.Contains("static mode", reloadable.Description);
        var step = reloadable.Bind(direct);
        Assert.Same(direct, step.Delegate);
        Assert.False(reloadable.Update());
        Assert.Equal(0, reloadable.Generation);
    }

    [Fact]
    public void Missing_folder_of_copies_means_static_mode_with_the_reason()
    {
        var library = _compiler.CompileStatic(Source(1, "static"));
        using var reloadable = ReloadableLibrary.Open(library, Path.Combine(_compiler.Root, "nowhere"));
        Assert.Equal(ReloadMode.Static, reloadable.Mode);
        Assert.Contains("HR2001", reloadable.Description);
    }

    [Fact]
    public void Live_mode_starts_on_the_newest_copy()
    {
        var library = _compiler.CompileStatic(Source(1, "static"));
        _compiler.PublishCopy(1, Source(1, "one"));
        _compiler.PublishCopy(3, Source(3, "three"));
        _compiler.PublishCopy(2, Source(2, "two"));

        using var reloadable = ReloadableLibrary.Open(library, _compiler.CopiesDirectory);
        var step = reloadable.Bind(StaticStep(library));

        Assert.Equal(ReloadMode.Live, reloadable.Mode);
        Assert.Equal(3, reloadable.Generation);
        var counter = new Counter();
        Assert.Equal("three", step.Invoke(counter));
        Assert.Equal(3, counter.Value);
    }

    [Fact]
    public void A_new_copy_goes_live_at_update_and_the_state_carries_on()
    {
        using var reloadable = OpenOnFirstCopy(out var step);
        var changes = new List<GenerationChangedEventArgs>();
        reloadable.GenerationChanged += (_, e) => changes.Add(e);
        var counter = new Counter();
        step.Invoke(counter);
        step.Invoke(counter);

        _compiler.PublishCopy(2, Source(10, "two"));
        Assert.Equal("one", step.Invoke(counter)); // nothing changes between swap points
        HostLoop.WaitForSwap(reloadable, 2);

        Assert.Equal("two", step.Invoke(counter));
        Assert.Equal(13, counter.Value);
        var change = Assert.Single(changes);
        Assert.Equal(1, change.PreviousGeneration);
        Assert.Equal(2, change.Generation);
        Assert.EndsWith(Path.Combine("2", _compiler.Name + ".2.dll"), change.AssemblyPath);
    }

    [Fact]
    public void A_new_copy_is_loaded_beside_the_loop_and_switched_at_update()
    {
        using var reloadable = OpenOnFirstCopy(out var step);
        var changes = new List<GenerationChangedEventArgs>();
        reloadable.GenerationChanged += (_, e) => changes.Add(e);

        _compiler.PublishCopy(2, Source(2, "two"));
        var deadline = DateTime.UtcNow + Patience;
        while (!AssemblyLoadContext.All.Any(c => c.Name == GenerationLoadContext.NameOf(_compiler.Name, 2)))
        {
            Assert.True(DateTime.UtcNow < deadline, "copy 2 was not loaded in the background");
            Thread.Sleep(5);
        }

        // Loaded, but nothing changes for the host until its swap point.
        Assert.Equal(1, reloadable.Generation);
        Assert.Equal("one", step.Invoke(new Counter()));
        HostLoop.WaitForSwap(reloadable, 2);
        Assert.Equal("two", step.Invoke(new Counter()));
        var change = Assert.Single(changes);
        Assert.True(change.LoadTime > TimeSpan.Zero);
    }

    [Fact]
    public void Shared_types_are_the_hosts_own_in_every_generation()
    {
        var library = _compiler.CompileStatic(Source(1, "static"));
        var copy = _compiler.PublishCopy(1, Source(1, "one"));
        using var reloadable = ReloadableLibrary.Open(library, _compiler.CopiesDirectory);
        var step = reloadable.Bind(StaticStep(library));

        var method = step.Delegate.Method;
        Assert.Equal(copy, method.Module.Assembly.Location);
        Assert.Same(typeof(Counter), method.GetParameters()[0].ParameterType);
        Assert.True(AssemblyLoadContext.GetLoadContext(method.Module.Assembly)!.IsCollectible);
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(typeof(Counter).Assembly));
    }

    [Fact]
    public void A_copy_without_an_entry_point_is_refused_and_the_old_one_keeps_running()
    {
        using var reloadable = OpenOnFirstCopy(out var step);
        var failures = new List<ReloadFailedEventArgs>();
        reloadable.ReloadFailed += (_, e) => failures.Add(e);

        _compiler.PublishCopy(2, "namespace Game; public static class Logic { public static string Step(HotReload.Tests.Shared.Counter c, int by) => \"x\"; }");
        HostLoop.UpdateUntil(reloadable, () => failures.Count > 0, "the copy to be refused");

        var failure = Assert.Single(failures);
        Assert.Equal(2, failure.Generation);
        Assert.StartsWith("HR2002", failure.Message);
        Assert.Equal(1, reloadable.Generation);
        Assert.Equal("one", step.Invoke(new Counter()));

        _compiler.PublishCopy(3, Source(1, "three"));
        HostLoop.WaitForSwap(reloadable, 3);
        Assert.Equal("three", step.Invoke(new Counter()));
    }

    [Fact]
    public void A_corrupt_copy_is_refused_and_the_old_one_keeps_running()
    {
        using var reloadable = OpenOnFirstCopy(out var step);
        var failures = new List<ReloadFailedEventArgs>();
        reloadable.ReloadFailed += (_, e) => failures.Add(e);

        var staging = Path.Combine(_compiler.CopiesDirectory, ".staging-corrupt");
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, _compiler.Name + ".2.dll"), "not an assembly");
        Directory.Move(staging, Path.Combine(_compiler.CopiesDirectory, "2"));

        HostLoop.UpdateUntil(reloadable, () => failures.Count > 0, "the copy to be refused");

        var failure = Assert.Single(failures);
        Assert.StartsWith("HR2004", failure.Message);
        Assert.IsType<BadImageFormatException>(failure.Exception);
        Assert.Equal(1, reloadable.Generation);
        Assert.Equal("one", step.Invoke(new Counter()));
    }

    [Fact]
    public void Released_generations_are_collected_and_reported()
    {
        using var reloadable = OpenOnFirstCopy(out var step);
        var unloaded = new List<int>();
        reloadable.GenerationUnloaded += (_, e) => unloaded.Add(e.Generation);
        step.Invoke(new Counter());

        for (var generation = 2; generation <= 4; generation++)
        {
            _compiler.PublishCopy(generation, Source(generation, "g" + generation));
            HostLoop.WaitForSwap(reloadable, generation);
            step.Invoke(new Counter());
        }

        HostLoop.UpdateUntil(reloadable, () => unloaded.Count == 3, "three generations to unload");

        Assert.Equal([1, 2, 3], unloaded.Order());
        Assert.Equal(0, reloadable.PendingUnloads);
        var live = LiveContextNames();
        foreach (var generation in new[] { 1, 2, 3 })
        {
            Assert.DoesNotContain(GenerationLoadContext.NameOf(_compiler.Name, generation), live);
        }
    }

    [Fact]
    public void A_refused_copy_is_unloaded_and_reported_as_never_live()
    {
        using var reloadable = OpenOnFirstCopy(out _);
        var unloaded = new List<GenerationUnloadedEventArgs>();
        reloadable.GenerationUnloaded += (_, e) => unloaded.Add(e);

        _compiler.PublishCopy(2, "namespace Game; public static class Logic { }"); // no entry point: refused
        HostLoop.UpdateUntil(reloadable, () => unloaded.Count == 1, "the refused copy to unload");

        var copy = Assert.Single(unloaded);
        Assert.Equal(2, copy.Generation);
        Assert.False(copy.WentLive);
        Assert.Equal(1, reloadable.Generation);
    }

    [Fact]
    public void A_generation_released_just_before_Dispose_is_still_unloaded()
    {
        var reloadable = OpenOnFirstCopy(out var step);
        step.Invoke(new Counter());
        _compiler.PublishCopy(2, Source(2, "two"));
        HostLoop.WaitForSwap(reloadable, 2); // releases generation 1; the tracker would unload it 20 ms later
        reloadable.Dispose();       // before that

        var deadline = DateTime.UtcNow + Patience;
        while (LiveContextNames().Contains(GenerationLoadContext.NameOf(_compiler.Name, 1)))
        {
            Assert.True(DateTime.UtcNow < deadline, "generation 1 was never unloaded");
            Thread.Sleep(20);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<string?> LiveContextNames()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return AssemblyLoadContext.All.Select(c => c.Name).ToList();
    }

    [Fact]
    public void Bind_refuses_lambdas_with_a_coded_error()
    {
        var library = _compiler.CompileStatic(Source(1, "static"));
        using var reloadable = ReloadableLibrary.Open(library);
        var error = Assert.Throws<HotReloadException>(() => reloadable.Bind<Counter, string>(c => "lambda"));
        Assert.StartsWith("HR2003", error.Message);
    }

    [Fact]
    public void The_per_frame_check_allocates_nothing()
    {
        using var reloadable = OpenOnFirstCopy(out var step);
        var counter = new Counter();
        reloadable.Update();
        step.Invoke(counter);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            reloadable.Update();
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void A_dependency_the_host_lacks_loads_from_the_copys_list_and_unloads_with_it()
    {
        var helperName = "PrivateHelper" + Guid.NewGuid().ToString("N")[..8];
        var helperPath = Path.Combine(_compiler.Root, "packages", helperName + ".dll");
        CopyCompiler.Emit(helperName, "namespace Helper; public static class Words { public static string Hello() => \"from helper\"; }", helperPath);

        var library = _compiler.CompileStatic(Source(1, "static"));
        _compiler.PublishCopy(1, Source(1, "one"));
        var extra = MetadataReference.CreateFromFile(helperPath);
        var staging = Path.Combine(_compiler.CopiesDirectory, ".staging-dep");
        var name = _compiler.Name + ".2";
        CopyCompiler.Emit(name, Source(1, "unused", "public static string Greet(HotReload.Tests.Shared.Counter c) => Helper.Words.Hello();")
            .Replace("return \"unused\"", "return Helper.Words.Hello()"), Path.Combine(staging, name + ".dll"), extra);
        Layout.WriteDependencyList(staging, [helperPath], Layout.Sha256Of);
        AppContext.SetData(TrustedRoots.ConfigurationPrefix + _compiler.Name, Path.Combine(_compiler.Root, "packages")); // as the host's build names it

        using var reloadable = ReloadableLibrary.Open(library, _compiler.CopiesDirectory);
        var step = reloadable.Bind(StaticStep(library));
        Directory.Move(staging, Path.Combine(_compiler.CopiesDirectory, "2"));
        HostLoop.WaitForSwap(reloadable, 2);

        Assert.Equal("from helper", step.Invoke(new Counter()));
        var helper = AssemblyLoadContext.GetLoadContext(step.Delegate.Method.Module.Assembly)!.Assemblies.Single(a => a.GetName().Name == helperName);
        Assert.Equal(helperPath, helper.Location);
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name == helperName);
    }

    [Fact]
    public void Custom_delegate_types_bind_through_BindDelegate()
    {
        var library = _compiler.CompileStatic(Source(1, "static"));
        _compiler.PublishCopy(1, Source(5, "one"));
        using var reloadable = ReloadableLibrary.Open(library, _compiler.CopiesDirectory);
        var step = reloadable.BindDelegate(library.GetType("Game.Logic")!.GetMethod("Step")!.CreateDelegate<StepDelegate>());
        var counter = new Counter();
        Assert.Equal("one", step.Invoke(counter));
        Assert.Equal(5, counter.Value);
        Assert.Equal("Game.Logic.Step", step.Name);
    }

    public delegate string StepDelegate(Counter counter);

    public void Dispose() => _compiler.Dispose();
}
