using BenchmarkDotNet.Attributes;
using Game;
using HotReload.Runtime;
using McMaster.NETCore.Plugins;

namespace HotReload.Benchmarks;

/// <summary>Figure "calls": one call to the entry point, by each way a host can reach it.</summary>
[MemoryDiagnoser]
public class CallBenchmarks
{
    private readonly Counter _counter = new();
    private Scratch _scratch = null!;
    private ReloadableLibrary _static = null!;
    private ReloadableLibrary _live = null!;
    private PluginLoader _plugin = null!;
    private LiveFunc<Counter, long> _staticStep = null!;
    private LiveFunc<Counter, long> _liveStep = null!;
    private Func<Counter, long> _pluginStep = null!;

    [GlobalSetup]
    public void Setup()
    {
        _scratch = new Scratch("calls");
        var compiler = new CopyCompiler();
        var copies = new CopyFolder(_scratch.Path);
        copies.Stage(compiler, 1);
        copies.Publish(1);

        _static = ReloadableLibrary.Open(typeof(Logic).Assembly);
        _staticStep = _static.Bind<Counter, long>(Logic.Step);
        _live = ReloadableLibrary.Open(typeof(Logic).Assembly, copies.Directory);
        _liveStep = _live.Bind<Counter, long>(Logic.Step);

        var plugin = new PluginFile(_scratch.Path, compiler);
        plugin.Prepare(1);
        plugin.Write(1);
        _plugin = plugin.Open(hotReload: false);
        _pluginStep = PluginFile.StepOf(_plugin);

        // Make sure each contender runs what its name says before timing it.
        Check(_static.Mode == ReloadMode.Static && _staticStep.Delegate.Method == typeof(Logic).GetMethod("Step"), "static mode runs the linked method");
        Check(_live.Mode == ReloadMode.Live && _live.Generation == 1 && IsCollectible(_liveStep.Delegate), "live mode runs copy 1 from a collectible context");
        Check(IsCollectible(_pluginStep), "the plugin runs from a collectible context");
    }

    [Benchmark(Baseline = true)]
    public long Direct() => Logic.Step(_counter);

    [Benchmark]
    public long HotReloadStatic() => _staticStep.Invoke(_counter);

    [Benchmark]
    public long HotReloadLive() => _liveStep.Invoke(_counter);

    [Benchmark]
    public long McMasterPlugin() => _pluginStep(_counter);

    [GlobalCleanup]
    public void Cleanup()
    {
        _static.Dispose();
        _live.Dispose();
        _plugin.Dispose();
        _scratch.Dispose();
    }

    public static bool Run(bool quick) => BenchmarkFigure.Run<CallBenchmarks>("calls", quick, "Cost of one call", summary =>
    {
        var overDirect = BenchmarkFigure.MeanNs(summary, nameof(HotReloadLive)) - BenchmarkFigure.MeanNs(summary, nameof(Direct));
        var allocated = BenchmarkFigure.AllocatedBytes(summary, nameof(HotReloadLive));
        return $"Live mode over direct: {overDirect:F2} ns (goal ≤ 2 ns: {(overDirect <= 2 ? "met" : "missed")}); "
            + $"allocated per call: {allocated} B (goal 0 B: {(allocated == 0 ? "met" : "missed")})." + """


            - **Direct**: `Logic.Step(counter)`, the statically linked method (`[MethodImpl(NoInlining)]`, so a real call).
            - **HotReloadStatic**: `LiveFunc.Invoke` of `ReloadableLibrary.Open(assembly)` in static mode (calls the linked method's delegate).
            - **HotReloadLive**: `LiveFunc.Invoke` in live mode: copy 1 of the same source, in a collectible context.
            - **McMasterPlugin**: a `Func<Counter, long>` made once from the plugin assembly that
              `PluginLoader.CreateFromAssemblyFile(path, isUnloadable: true, sharedTypes: [typeof(Counter)])` loaded.
            - Times are net of BenchmarkDotNet's own call overhead, so compare rows rather than absolute values.
              Full runs: a fresh process per benchmark, so one row's JIT profile (`LiveFunc.Invoke` is shared generic
              code) cannot shape another's; `--quick`: in process.
            """;
    });

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
