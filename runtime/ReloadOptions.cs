namespace HotReload.Runtime;

/// <summary>Tuning for a <see cref="ReloadableLibrary"/> in live mode. The defaults suit a development session.</summary>
public sealed class ReloadOptions
{
    /// <summary>
    /// Collect garbage in the background after a swap until the old generation is gone, so
    /// <see cref="ReloadableLibrary.GenerationUnloaded"/> reports promptly. Default: true.
    /// </summary>
    public bool CollectReleasedGenerations { get; init; } = true;

    /// <summary>
    /// Start the warm compiler beside the host, so that saving a source file of the library is all it takes to reload.
    /// It runs only when the library was built with <c>HotReloadCompileOnSave=true</c> (the default) in live mode.
    /// Default: true.
    /// </summary>
    public bool CompileOnSave { get; init; } = true;

    /// <summary>
    /// Off by default: an exception escaping a bound call reaches the host as any exception would. On: an exception
    /// escaping a call into generation N is reported through <see cref="ReloadableLibrary.GenerationFaulted"/>
    /// (<c>HR2007</c>: generation, entry point, exception); the runtime goes back to the last generation that ran
    /// cleanly (loaded again from its copy), never loads N again, runs the faulted call again on that generation, and
    /// takes the next newer copy as usual. It cannot undo what N's call did to the host's state before it threw. Only
    /// the typed bindings (<c>Bind</c>) are guarded; a <c>BindDelegate</c> binding lets exceptions through. When no
    /// earlier generation can be loaded, the exception reaches the host.
    /// </summary>
    public bool RollbackOnException { get; init; }

    /// <summary>After this long, a released generation that is still in memory is reported through <see cref="ReloadableLibrary.UnloadStalled"/>. Default: 10 s.</summary>
    public TimeSpan UnloadStallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How the holders of a stalled generation are found. Default: <see cref="StallDiagnosisMode.Auto"/>. The environment
    /// variable <c>HOTRELOAD_STALL_DIAGNOSIS</c> (<c>auto</c>, <c>dump</c> or <c>in-process</c>), when set, wins: for a host
    /// that runs where attaching is not allowed, without rebuilding it.
    /// </summary>
    public StallDiagnosisMode StallDiagnosis { get; init; }
}

/// <summary>How <see cref="ReloadableLibrary.UnloadStalled"/> finds what holds a stalled generation.</summary>
public enum StallDiagnosisMode
{
    /// <summary>
    /// A helper process reads the host's heap from outside, attached live (the host is not paused); where the system
    /// refuses that, through a dump the host's runtime writes (the host pauses while it is written); where that is refused
    /// too, the runtime's own search (static events of the host's assemblies, timers).
    /// </summary>
    Auto,

    /// <summary>From outside, through a dump only: for systems that refuse attaching, to skip the attempt.</summary>
    Dump,

    /// <summary>Only the runtime's own search: no helper process. It cannot see threads, GC handles or the framework's events.</summary>
    InProcess,
}
