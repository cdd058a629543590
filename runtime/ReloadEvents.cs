using System.Diagnostics;

namespace HotReload.Runtime;

/// <summary>A newer copy of the library is now live: the next call through any <see cref="LiveFunction{T}"/> runs it.</summary>
public sealed class GenerationChangedEventArgs(int previousGeneration, int generation, string assemblyPath, TimeSpan swapTime, TimeSpan loadTime) : EventArgs
{
    internal GenerationChangedEventArgs(int previousGeneration, int generation, string assemblyPath, TimeSpan swapTime, TimeSpan loadTime,
        TimeSpan waitTime, SaveTimings? save)
        : this(previousGeneration, generation, assemblyPath, swapTime, loadTime)
    {
        WaitTime = waitTime;
        if (save is not null)
        {
            DebounceTime = save.Debounce;
            CompileTime = save.Compile;
            SinceSave = save.Debounce + save.Compile + save.SincePublished.Elapsed;
        }
    }

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

    /// <summary>Time the loaded copy waited for the host's next <see cref="ReloadableLibrary.Update"/> (the frame wait).</summary>
    public TimeSpan WaitTime { get; }

    /// <summary>True when the warm compiler made this copy from a save; false for a copy a build made.</summary>
    public bool CompiledOnSave => SinceSave is not null;

    /// <summary>From the first file event of the save to the warm compiler's start, letting a burst of saves settle.</summary>
    public TimeSpan? DebounceTime { get; }

    /// <summary>The warm compiler's update, generators and emit of the copy.</summary>
    public TimeSpan? CompileTime { get; }

    /// <summary>From the first file event of the save to this switch: debounce, compile, publish, load and frame wait.</summary>
    public TimeSpan? SinceSave { get; }
}

/// <summary>The warm compiler's figures for a copy it published; the clock runs from its publication to the switch.</summary>
internal sealed record SaveTimings(TimeSpan Debounce, TimeSpan Compile, Stopwatch SincePublished);

/// <summary>A save did not compile. The running generation stays; fixing the error goes live.</summary>
public sealed class CompileFailedEventArgs(IReadOnlyList<string> diagnostics) : EventArgs
{
    /// <summary>The compiler's errors in its own format: <c>path(line,col): error CS0103: ...</c>.</summary>
    public IReadOnlyList<string> Diagnostics { get; } = diagnostics;
}

/// <summary>How much a <see cref="CompilerMessageEventArgs"/> matters.</summary>
public enum CompilerMessageSeverity
{
    /// <summary>Progress: the compiler is ready, a build runs for a project file change.</summary>
    Info,

    /// <summary>Something the user must act on; starts with an <c>HR</c> code.</summary>
    Warning,
}

/// <summary>A message from the warm compiler that compiles the library on save.</summary>
public sealed class CompilerMessageEventArgs(CompilerMessageSeverity severity, string message) : EventArgs
{
    /// <summary>Progress, or something to act on.</summary>
    public CompilerMessageSeverity Severity { get; } = severity;

    /// <summary>One line; warnings start with an <c>HR</c> code.</summary>
    public string Message { get; } = message;
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
public sealed class GenerationUnloadedEventArgs(int generation, TimeSpan afterRelease, bool wentLive = true) : EventArgs
{
    /// <summary>The generation that was unloaded.</summary>
    public int Generation { get; } = generation;

    /// <summary>
    /// True for a generation that ran; false for a copy that was loaded but never went live (refused, or superseded
    /// by a newer copy before the next Update).
    /// </summary>
    public bool WentLive { get; } = wentLive;

    /// <summary>Time from the swap that released it to its collection.</summary>
    public TimeSpan AfterRelease { get; } = afterRelease;
}

/// <summary>An old generation is still reachable long after it was released: something still references its code.</summary>
public sealed class UnloadStalledEventArgs(int generation, TimeSpan afterRelease, bool wentLive = true) : EventArgs
{
    /// <summary>The generation that is still alive.</summary>
    public int Generation { get; } = generation;

    /// <summary>False for a copy that never went live (refused, or superseded before the next Update).</summary>
    public bool WentLive { get; } = wentLive;

    /// <summary>How long it has been since it was released.</summary>
    public TimeSpan AfterRelease { get; } = afterRelease;
}
