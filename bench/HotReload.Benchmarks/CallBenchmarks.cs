using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Environments;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.NativeAot;
using Game;
using HotReload.Runtime;
using McMaster.NETCore.Plugins;

namespace HotReload.Benchmarks;

/// <summary>
/// Figure "calls": one call to the entry point, by each way a host can reach it, with the HotReload.IsSupported feature
/// switch on (the runtime's default) and off (as HotReload.Runtime's build targets set it in a Release host), on the
/// JIT and in a native AOT (trimmed) build.
/// </summary>
[MemoryDiagnoser]
public class CallBenchmarks
{
    private readonly Counter _counter = new();
    private Scratch? _scratch;
    private ReloadableLibrary _static = null!;
    private ReloadableLibrary? _live;
    private PluginLoader? _plugin;
    private LiveFunc<Counter, long> _staticStep = null!;
    private PointerBinding _pointerStep = null!;
    private LiveFunc<Counter, long> _liveStep = null!;
    private Func<Counter, long> _pluginStep = null!;

    [GlobalSetup]
    public void Setup()
    {
        // The job says which way the switch should be; check the process really runs that way.
        var releaseHost = Environment.GetEnvironmentVariable(ReleaseHostVariable) == "1";
        Check(ReloadableLibrary.IsSupported != releaseHost, releaseHost
            ? "HotReload.IsSupported is off (runtimeconfig.json, or the trimmer's constant), as in a Release host"
            : "HotReload.IsSupported is on, the runtime's default");

        _static = ReloadableLibrary.Open(typeof(Logic).Assembly);
        _staticStep = _static.Bind<Counter, long>(Logic.Step);
        _pointerStep = new PointerBinding(Logic.Step);

        // Make sure each contender runs what its name says before timing it.
        Check(_static.Mode == ReloadMode.Static && _staticStep.Delegate == (Func<Counter, long>)Logic.Step, "static mode runs the linked method");
        Check(_staticStep.Invoke(new Counter()) == 1 && _pointerStep.Invoke(new Counter()) == 1, "the static binding and the prototype add 1, as the linked method does");
        if (!ReloadableLibrary.IsSupported)
        {
            // A Release host: HotReloadLive and McMasterPlugin do not run (see Run). Everything below loads code at
            // run time, and in the native AOT job the trimmer removes it behind this feature guard.
            return;
        }

        _scratch = new Scratch("calls");
        var compiler = new CopyCompiler();
        var copies = new CopyFolder(_scratch.Path);
        copies.Stage(compiler, 1);
        copies.Publish(1);

        _live = ReloadableLibrary.Open(typeof(Logic).Assembly, copies.Directory);
        _liveStep = _live.Bind<Counter, long>(Logic.Step);

        var plugin = new PluginFile(_scratch.Path, compiler);
        plugin.Prepare(1);
        plugin.Write(1);
        _plugin = plugin.Open(hotReload: false);
        _pluginStep = PluginFile.StepOf(_plugin);

        Check(_live.Mode == ReloadMode.Live && _live.Generation == 1 && IsCollectible(_liveStep.Delegate), "live mode runs copy 1 from a collectible context");
        Check(IsCollectible(_pluginStep), "the plugin runs from a collectible context");
    }

    [Benchmark(Baseline = true)]
    public long Direct() => Logic.Step(_counter);

    [Benchmark]
    public long HotReloadStatic() => _staticStep.Invoke(_counter);

    /// <summary>What a host can write today: the feature switch is a constant to the JIT (tier 1) and to the trimmer.</summary>
    [Benchmark]
    public long HotReloadStaticGuarded() => ReloadableLibrary.IsSupported ? _staticStep.Invoke(_counter) : Logic.Step(_counter);

    [Benchmark]
    public long PointerPrototype() => _pointerStep.Invoke(_counter);

    [Benchmark]
    public long HotReloadLive() => _liveStep.Invoke(_counter);

    [Benchmark]
    public long McMasterPlugin() => _pluginStep(_counter);

    [GlobalCleanup]
    public void Cleanup()
    {
        _static.Dispose();
        _live?.Dispose();
        _plugin?.Dispose();
        _scratch?.Dispose();
    }

    /// <summary>Set to 1 by the jobs that run as a Release host, so Setup can check the switch really is off there.</summary>
    private const string ReleaseHostVariable = "HOTRELOAD_BENCH_RELEASE_HOST";

    // Job ids, shown in the table's Job column.
    private const string SwitchOn = "SwitchOn";
    private const string SwitchOff = "SwitchOff";
    private const string SwitchOffAot = "SwitchOffAot";

    public static bool Run(bool quick) => BenchmarkFigure.Run<CallBenchmarks>("calls", quick, "Cost of one call", Verdict, Jobs(quick),
        c => c.Job.Id == SwitchOn || c.Descriptor.WorkloadMethod.Name is not (nameof(HotReloadLive) or nameof(McMasterPlugin)));

    /// <summary>
    /// SwitchOn: the runtime's default, as in a Debug host (what this figure measured before the switch existed).
    /// SwitchOff: HotReload.IsSupported=false in runtimeconfig.json, as HotReload.Runtime's build targets write it for
    /// a Release host. SwitchOffAot: the same, published with native AOT, which trims (TrimMode=link) and takes the
    /// switch as a constant. The two Release-host jobs build with -p:HotReloadIsSupported=false, which turns on the
    /// RuntimeHostConfigurationOption in this project's csproj; BenchmarkDotNet copies that item into the project it
    /// generates for each job. They need a build and processes of their own, so <c>--quick</c>, which runs in
    /// process, has SwitchOn only.
    /// </summary>
    private static Func<Job, IEnumerable<Job>> Jobs(bool quick) => baseJob =>
    {
        if (quick)
        {
            return [baseJob.WithId(SwitchOn)];
        }

        var jit = baseJob.WithRuntime(CoreRuntime.Core10_0);
        var releaseHost = jit
            .WithArguments([new MsBuildArgument("/p:HotReloadIsSupported=false")])
            .WithEnvironmentVariable(ReleaseHostVariable, "1");
        var aot = NativeAotToolchain.CreateBuilder()
            .UseNuGet("", "https://api.nuget.org/v3/index.json") // no version: the ILCompiler the SDK picks for its runtime
            .TargetFrameworkMoniker("net10.0")
            .ToToolchain();
        return
        [
            jit.WithId(SwitchOn),
            releaseHost.WithId(SwitchOff),
            releaseHost.WithRuntime(NativeAotRuntime.Net10_0).WithToolchain(aot).WithId(SwitchOffAot),
        ];
    };

    private static string Verdict(Summary summary)
    {
        double Over(string method, string job) => BenchmarkFigure.MeanNs(summary, method, job) - BenchmarkFigure.MeanNs(summary, nameof(Direct), job);

        var liveOver = Over(nameof(HotReloadLive), SwitchOn);
        var allocated = BenchmarkFigure.AllocatedBytes(summary, nameof(HotReloadLive), SwitchOn);
        var lines = new List<string>
        {
            $"Live mode over direct: {liveOver:F2} ns (goal ≤ 2 ns: {(liveOver <= 2 ? "met" : "missed")}); "
                + $"allocated per call: {allocated} B (goal 0 B: {(allocated == 0 ? "met" : "missed")}).",
        };
        foreach (var (job, what) in new[] { (SwitchOff, "Release host"), (SwitchOffAot, "Release host, native AOT (trimmed)") })
        {
            if (!BenchmarkFigure.HasJob(summary, job))
            {
                continue;
            }

            // With the switch off, HotReloadStaticGuarded compiles to the very machine code of Direct, so the gap
            // between those two rows is this run's noise. When it is over the goal, the run cannot decide the goal.
            var over = Over(nameof(HotReloadStatic), job);
            var noise = Math.Abs(Over(nameof(HotReloadStaticGuarded), job));
            var verdict = noise > 0.1 ? $"not decided by this run: its noise, {noise:F2} ns, is over 0.1 ns" : over <= 0.1 ? "met" : "missed";
            var bytes = BenchmarkFigure.AllocatedBytes(summary, nameof(HotReloadStatic), job);
            lines.Add($"{what} ({job}): static binding over direct: {over:F2} ns (goal ≤ 0.1 ns: {verdict}), allocated per call: {bytes} B; "
                + $"guarded by the switch (the same machine code as Direct): {Over(nameof(HotReloadStaticGuarded), job):F2} ns; "
                + $"through a function pointer (prototype): {Over(nameof(PointerPrototype), job):F2} ns.");
        }

        return string.Join(Environment.NewLine + Environment.NewLine, lines) + Notes;
    }

    private const string Notes = """


        - **Direct**: `Logic.Step(counter)`, the statically linked method (`[MethodImpl(NoInlining)]`, so a real call).
        - **HotReloadStatic**: `LiveFunc.Invoke` of `ReloadableLibrary.Open(assembly)` in static mode (calls the linked method's delegate).
        - **HotReloadStaticGuarded**: host code `ReloadableLibrary.IsSupported ? step.Invoke(counter) : Logic.Step(counter)`.
          With the switch off, the JIT (tier 1) and the trimmer see a constant, and only the direct call is left: the
          same machine code as Direct, so in the switch-off jobs the gap between these two rows measures the run's noise.
        - **PointerPrototype**: not HotReload.Runtime: a sealed class whose field holds
          `delegate*<Counter, long>` (from `function.Method.MethodHandle.GetFunctionPointer()`), called by an inlined `Invoke`;
          the static binding as it would be without the delegate.
        - **HotReloadLive**: `LiveFunc.Invoke` in live mode: copy 1 of the same source, in a collectible context.
        - **McMasterPlugin**: a `Func<Counter, long>` made once from the plugin assembly that
          `PluginLoader.CreateFromAssemblyFile(path, isUnloadable: true, sharedTypes: [typeof(Counter)])` loaded.
        - Jobs: **SwitchOn**, the runtime's default (`HotReload.IsSupported` unset: true), as in a Debug host;
          **SwitchOff**, `"HotReload.IsSupported": false` in the runtimeconfig.json, as HotReload.Runtime's build
          targets set it in a Release host (the project is built with `-p:HotReloadIsSupported=false`); **SwitchOffAot**,
          the same published with native AOT (`PublishAot`, `TrimMode=link`), so the trimmer takes the switch as a constant.
          BenchmarkDotNet cannot run a trimmed JIT (`PublishTrimmed`) build: it builds, it does not publish, except for
          native AOT. Setup checks in each process that the switch is as its job says. Live and McMaster rows need the
          switch on and run in SwitchOn only.
        - Times are net of BenchmarkDotNet's own call overhead, so compare rows of one job rather than absolute values.
          Full runs: a fresh process per benchmark, so one row's JIT profile (`LiveFunc.Invoke` is shared generic
          code) cannot shape another's; `--quick`: in process, SwitchOn only.
        """;

    private static bool IsCollectible(Delegate function) =>
        System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(function.Method.Module.Assembly)!.IsCollectible;

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Setup is wrong: expected that " + what + ".");
        }
    }
}

/// <summary>
/// Not HotReload.Runtime: a prototype of the static binding holding a function pointer to the linked method instead of
/// a delegate to it, so its call has no delegate thunk. Mutable, as the binding's field is (live mode rewrites it).
/// </summary>
internal sealed unsafe class PointerBinding(Func<Counter, long> function)
{
    private delegate*<Counter, long> _function = (delegate*<Counter, long>)function.Method.MethodHandle.GetFunctionPointer();

    public long Invoke(Counter counter) => _function(counter);
}
