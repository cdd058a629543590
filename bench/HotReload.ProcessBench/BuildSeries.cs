namespace HotReload.ProcessBench;

internal enum BuildKind { Edit, NoOp }

/// <summary>The builds of one kind with one compiler-server setting, LiveReload=true and false side by side.</summary>
internal sealed record BuildSeries(BuildKind Kind, bool Server, List<double> Off, List<double> On, List<double> Ratios, List<BuildOutput> OnOutputs)
{
    /// <summary>CPU seconds of each build's process tree (compiler processes included; a compiler server's not).</summary>
    public List<double> OffCpu { get; } = [];

    public List<double> OnCpu { get; } = [];

    /// <summary>From the extra profiled builds: CoreCompile with LiveReload=false and true, and HotReload.Sdk's targets.</summary>
    public List<double> OffCoreCompile { get; } = [];

    public List<double> OnCoreCompile { get; } = [];

    public List<double> OnSdkTargets { get; } = [];

    public string Name => Kind == BuildKind.Edit ? "edit (one-line change in Logic.cs)" : "no-op (nothing changed)";

    /// <summary>The goals: edit builds at most 1.2x, no-op builds at most 1.05x.</summary>
    public double Goal => Kind == BuildKind.Edit ? 1.2 : 1.05;

    public double MedianRatio => Stats.Median(Ratios);

    public int Alongside => OnOutputs.Count(o => o.CompiledAlongside);

    public int Copies => OnOutputs.Count(o => o.MadeCopy);
}
