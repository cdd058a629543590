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

    /// <summary>
    /// How the state moved from the previous generation (objects, time, what changed shape, what could not be carried
    /// over); null for the first generation. Its time is part of <see cref="SwapTime"/>.
    /// </summary>
    public MigrationReport? Migration { get; init; }
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

/// <summary>
/// Code of a generation threw where the runtime called it: a bound call with <see cref="ReloadOptions.RollbackOnException"/>
/// on (<c>HR2007</c>), or a lifecycle hook (<c>HR2008</c>).
/// </summary>
public sealed class GenerationFaultedEventArgs(int generation, string entryPoint, Exception exception, int liveGeneration, bool rolledBack, string message)
    : EventArgs
{
    /// <summary>The generation whose code threw.</summary>
    public int Generation { get; } = generation;

    /// <summary>The method that threw, as <c>Namespace.Type.Method</c>: the bound entry point or the hook.</summary>
    public string EntryPoint { get; } = entryPoint;

    /// <summary>The exception that escaped it.</summary>
    public Exception Exception { get; } = exception;

    /// <summary>True when the runtime went back to an earlier generation because of this fault.</summary>
    public bool RolledBack { get; } = rolledBack;

    /// <summary>The generation running after the fault: the one rolled back to, or the one that stays.</summary>
    public int LiveGeneration { get; } = liveGeneration;

    /// <summary>One line starting with the code: what happened and what runs now.</summary>
    public string Message { get; } = message;

    /// <summary>
    /// Where in the generation's source the exception was thrown, as <c>path(line,column)</c>, when its symbols say;
    /// null otherwise. <c>$"{Location}: error {Message}"</c> is a line in the MSBuild canonical format, which editors
    /// and terminals link to the source.
    /// </summary>
    public string? Location { get; init; }

    /// <summary>After a rollback, how the state moved back into the generation rolled back to; null otherwise.</summary>
    public MigrationReport? Migration { get; init; }
}

/// <summary>The collectible context of an old generation was garbage-collected: its code is gone from the process.</summary>
public sealed class GenerationUnloadedEventArgs(int generation, TimeSpan afterRelease, bool wentLive = true) : EventArgs
{
    internal GenerationUnloadedEventArgs(int generation, TimeSpan afterRelease, bool wentLive, bool wasStalled)
        : this(generation, afterRelease, wentLive) => WasStalled = wasStalled;

    /// <summary>True when <see cref="ReloadableLibrary.UnloadStalled"/> reported it first: whatever held it has let go.</summary>
    public bool WasStalled { get; }

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
    private const string Hook = "Detach it in an [OnGenerationReleasing] hook.";

    internal UnloadStalledEventArgs(int generation, TimeSpan afterRelease, bool wentLive, IReadOnlyList<StallCause> causes, StallSearch search)
        : this(generation, afterRelease, wentLive)
    {
        Causes = causes;
        DiagnosisTime = search.Time;
        DiagnosisMethod = search.Method;
        HostPause = search.HostPause;
        FallbackReason = search.FallbackReason;
    }

    /// <summary>
    /// What holds the generation: each root (a static event or field, a thread, a GC handle, the finalizer queue, a timer,
    /// a cache of the framework) with the path from it to the generation, and where in the source it ends. Empty when none
    /// was found; <see cref="Message"/> then names the usual causes. Watching goes on: a later unload is still reported
    /// through <see cref="ReloadableLibrary.GenerationUnloaded"/>.
    /// </summary>
    public IReadOnlyList<StallCause> Causes { get; } = [];

    /// <summary>How long the search for <see cref="Causes"/> took (off the host's thread), from the stall's detection to its report.</summary>
    public TimeSpan DiagnosisTime { get; }

    /// <summary>How the host's heap was read: <c>attached live</c>, <c>from a dump</c> (the host's runtime wrote it), or <c>in-process</c>.</summary>
    public string DiagnosisMethod { get; } = "";

    /// <summary>How long the host was paused by the search: zero attached live (it reads beside the running host), the dump's writing otherwise.</summary>
    public TimeSpan HostPause { get; }

    /// <summary>
    /// Why the host's heap could not be read from outside (the system refused to attach and to write a dump, the helper is
    /// missing, ...), when the runtime searched in-process instead; null when it was read from outside.
    /// </summary>
    public string? FallbackReason { get; }

    /// <summary>One line starting with <c>HR2009</c>: the generation, how long it has been, and what holds it or may.</summary>
    public string Message => Causes.Count > 0
        ? $"{Stalled}; held by {string.Join("; ", Causes)}.{Fallback}"
        : $"{Stalled}; no holder found: look for a thread, a GCHandle, a serializer or TypeDescriptor cache, or an event of a host object still referring to its code. {Hook}{Fallback}";

    /// <summary>
    /// One line per holder, for a console or a log: <c>path(line,col): warning HR2009: ...</c> where the holder's source is
    /// known (the MSBuild canonical format, which editors and terminals link), <c>HR2009: ...</c> otherwise; the
    /// <see cref="Message"/> alone when no holder was found.
    /// </summary>
    public IReadOnlyList<string> Lines => Causes.Count == 0
        ? [Message]
        : Causes.Select(c => (c.Location is { } at ? at + ": warning " : "") + $"{Stalled}, held by {c.Description}.{Fallback}").ToList();

    private string Stalled => $"HR2009: generation {Generation} is still in memory {AfterRelease.TotalSeconds:F0} s after its release";

    private string Fallback => FallbackReason is null ? ""
        : $" (searched in-process only, which cannot see threads, GC handles or the framework's events: {FallbackReason})";

    /// <summary>The generation that is still alive.</summary>
    public int Generation { get; } = generation;

    /// <summary>False for a copy that never went live (refused, or superseded before the next Update).</summary>
    public bool WentLive { get; } = wentLive;

    /// <summary>How long it has been since it was released.</summary>
    public TimeSpan AfterRelease { get; } = afterRelease;
}

/// <summary>
/// Patches were applied to the live generation in place: the methods a save changed run their new code from their next
/// call, and every object, static field and delegate stays exactly where it was. Raised inside <see cref="ReloadableLibrary.Update"/>.
/// </summary>
public sealed class GenerationPatchedEventArgs : EventArgs
{
    internal GenerationPatchedEventArgs(int generation, int patch, int applied, TimeSpan applyTime, TimeSpan? debounce, TimeSpan? compile, TimeSpan? wait, string edits, IReadOnlyList<Type> updatedTypes)
    {
        Generation = generation;
        Patch = patch;
        Applied = applied;
        ApplyTime = applyTime;
        DebounceTime = debounce;
        CompileTime = compile;
        WaitTime = wait;
        SinceSave = debounce + compile + wait + applyTime;
        Edits = edits;
        UpdatedTypes = updatedTypes;
    }

    /// <summary>The live generation that was patched (it stays the same generation).</summary>
    public int Generation { get; }

    /// <summary>The number of its newest patch now applied (patches are numbered from 1 per generation).</summary>
    public int Patch { get; }

    /// <summary>How many patches this update applied: one per save, more for a host that started after some, or fell behind.</summary>
    public int Applied { get; }

    /// <summary>Time spent inside <see cref="ReloadableLibrary.Update"/> to read and apply them and run the update handlers.</summary>
    public TimeSpan ApplyTime { get; }

    /// <summary>From the first file event of the newest patch's save to the compiler's start.</summary>
    public TimeSpan? DebounceTime { get; }

    /// <summary>The warm compiler's work on the newest patch: classifying the save and emitting the difference.</summary>
    public TimeSpan? CompileTime { get; }

    /// <summary>From the newest patch's publication to the host's <see cref="ReloadableLibrary.Update"/> that applied it (the frame wait).</summary>
    public TimeSpan? WaitTime { get; }

    /// <summary>From the first file event of the newest patch's save to its application: debounce, compile, wait and apply.</summary>
    public TimeSpan? SinceSave { get; }

    /// <summary>What the newest patch changed, for a status line (<c>Logic.UpdateAndRender</c>, <c>Logic.Helper added</c>).</summary>
    public string Edits { get; }

    /// <summary>The types whose code the patches changed.</summary>
    public IReadOnlyList<Type> UpdatedTypes { get; }
}
