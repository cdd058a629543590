namespace HotReload.Runtime;

/// <summary>A newer copy of the library is now live: the next call through any <see cref="LiveFunction{T}"/> runs it.</summary>
public sealed class GenerationChangedEventArgs(int previousGeneration, int generation, string assemblyPath, TimeSpan swapTime, TimeSpan loadTime) : EventArgs
{
    /// <summary>The generation that was live before; 0 for the statically linked code.</summary>
    public int PreviousGeneration { get; } = previousGeneration;

    /// <summary>The generation now live (the N of <c>bin/reloaded/N/</c>).</summary>
    public int Generation { get; } = generation;

    /// <summary>The copy that was loaded.</summary>
    public string AssemblyPath { get; } = assemblyPath;

    /// <summary>Time spent inside <see cref="ReloadableLibrary.Update"/>, on the host's thread, to switch every function to the copy.</summary>
    public TimeSpan SwapTime { get; } = swapTime;

    /// <summary>Time spent off the host's thread, before the switch, to load the copy, resolve its entry points and compile them.</summary>
    public TimeSpan LoadTime { get; } = loadTime;
}

/// <summary>A newer copy could not be made live; the previous generation keeps running.</summary>
public sealed class ReloadFailedEventArgs(int generation, string message, Exception? exception) : EventArgs
{
    /// <summary>The generation that was refused.</summary>
    public int Generation { get; } = generation;

    /// <summary>What went wrong and what to do, starting with an <c>HR2xxx</c> code.</summary>
    public string Message { get; } = message;

    /// <summary>The underlying exception, if any.</summary>
    public Exception? Exception { get; } = exception;
}

/// <summary>The collectible context of an old generation was garbage-collected: its code is gone from the process.</summary>
public sealed class GenerationUnloadedEventArgs(int generation, TimeSpan afterRelease) : EventArgs
{
    /// <summary>The generation that was unloaded.</summary>
    public int Generation { get; } = generation;

    /// <summary>Time from the swap that released it to its collection.</summary>
    public TimeSpan AfterRelease { get; } = afterRelease;
}

/// <summary>An old generation is still reachable long after it was released: something still references its code.</summary>
public sealed class UnloadStalledEventArgs(int generation, TimeSpan afterRelease) : EventArgs
{
    /// <summary>The generation that is still alive.</summary>
    public int Generation { get; } = generation;

    /// <summary>How long it has been since it was released.</summary>
    public TimeSpan AfterRelease { get; } = afterRelease;
}
