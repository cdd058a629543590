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

    /// <summary>After this long, a released generation that is still in memory is reported through <see cref="ReloadableLibrary.UnloadStalled"/>. Default: 10 s.</summary>
    public TimeSpan UnloadStallTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
