namespace HotReload.Runtime;

/// <summary>What kind of root holds a stalled generation.</summary>
public enum StallRootKind
{
    /// <summary>Not one of the kinds below (a root of the runtime's own).</summary>
    Other,

    /// <summary>A static field of a host or framework type (not a delegate).</summary>
    StaticField,

    /// <summary>A static event, or a static field of a delegate type, with a handler in the generation.</summary>
    StaticEvent,

    /// <summary>A thread running a method of the generation (it holds the generation until the method returns).</summary>
    Thread,

    /// <summary>A GC handle (<c>GCHandle.Alloc</c>, a pinned buffer, a COM wrapper).</summary>
    GCHandle,

    /// <summary>An object waiting in the finalizer queue.</summary>
    FinalizerQueue,

    /// <summary>A local variable of a method still running on a thread.</summary>
    Stack,

    /// <summary>A timer, PeriodicTimer or Task.Delay whose callback, state or continuation is the generation's.</summary>
    Timer,

    /// <summary>A static cache of the framework (serializers, TypeDescriptor, ...) that keeps one of the generation's types.</summary>
    FrameworkCache,
}

/// <summary>One thing that keeps a released generation in memory: its root, and the path from the root to the generation.</summary>
public sealed class StallCause
{
    internal StallCause(StallRootKind kind, string root, IReadOnlyList<string> path, string? location, string description)
    {
        Kind = kind;
        Root = root;
        Path = path;
        Location = location;
        Description = description;
    }

    /// <summary>What the root is.</summary>
    public StallRootKind Kind { get; }

    /// <summary>The root as a user names it: <c>Common.Clock.Tick</c>, <c>thread 'worker-7' (managed id 12)</c>, <c>a GC handle (Normal)</c>.</summary>
    public string Root { get; }

    /// <summary>
    /// Each step from the root to the generation: the root, the objects on the way (by type), and what of the generation
    /// it ends at (<c>a delegate to a lambda in Game.Logic.Update</c>, <c>a Game.Enemy of the generation</c>).
    /// </summary>
    public IReadOnlyList<string> Path { get; }

    /// <summary>
    /// Where in the generation's source the path ends, as <c>path(line,col)</c>: the lambda or method a delegate calls,
    /// the statement a thread is running, the type of an object; null when the copy has no symbols for it.
    /// </summary>
    public string? Location { get; }

    /// <summary>One sentence: the root, the path, and what to do about it.</summary>
    public string Description { get; }

    /// <summary>The <see cref="Description"/>.</summary>
    public override string ToString() => Description;
}
