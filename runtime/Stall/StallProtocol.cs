namespace HotReload;

/// <summary>
/// What the stall diagnosis (HotReload.Diagnosis, a helper process) prints for the runtime: one line per holder, then
/// one line that ends the report; fields separated by tabs, which no type, member or path name contains. Compiled into
/// both, so that both sides agree on it.
/// </summary>
internal static class StallProtocol
{
    /// <summary><c>holder	kind	root	location	path	text</c>: one thing that keeps the generation in memory.</summary>
    public const string Holder = "holder";

    /// <summary><c>done	method	pauseMs	elapsedMs</c>: the end of the report; how the host's heap was read and how long the host was paused.</summary>
    public const string Done = "done";

    /// <summary><c>refused	reason</c>: the host's heap could not be read; the runtime falls back to its own search.</summary>
    public const string Refused = "refused";

    /// <summary><c>gone</c>: the generation had left memory by the time the heap was read.</summary>
    public const string Gone = "gone";

    /// <summary>
    /// <c>running	managedId	method	location</c>: a thread with a method of the generation on its stack, as the helper's
    /// own thread walker (<see cref="ThreadsOnlyOption"/>) prints it for the helper.
    /// </summary>
    public const string Running = "running";

    /// <summary>
    /// The option that makes the helper only walk the host's threads' stacks, live, and print <see cref="Running"/> lines:
    /// the helper runs that part apart, since walking a running thread's stack can take the walking process down.
    /// </summary>
    public const string ThreadsOnlyOption = "--threads-only";

    /// <summary>Separates the steps of a path.</summary>
    public const string PathSeparator = " → ";

    /// <summary>The option that makes the helper read the heap only through a dump (no live attach).</summary>
    public const string DumpOnlyOption = "--dump-only";

    /// <summary>The option that names the file the helper writes a dump to (the runtime deletes it, whatever becomes of the helper).</summary>
    public const string DumpPathOption = "--dump-path";

    /// <summary>The option that gives the helper its own deadline, in seconds: it exits then, even when nobody waits for it any more.</summary>
    public const string DeadlineOption = "--deadline";

    /// <summary>How the heap was read (the <see cref="Done"/> line's method): live beside the host.</summary>
    public const string AttachedLive = "attached live";

    /// <summary>How the heap was read: from a dump the host's runtime wrote.</summary>
    public const string FromDump = "from a dump";

    /// <summary>The kinds of root a holder can have, as the helper names them.</summary>
    public static class Kinds
    {
        public const string StaticField = "static field";
        public const string StaticEvent = "static event";
        public const string Thread = "thread";
        public const string GCHandle = "GC handle";
        public const string FinalizerQueue = "finalizer queue";
        public const string Stack = "stack";
        public const string Timer = "timer";
        public const string FrameworkCache = "framework cache";
        public const string Other = "root";
    }

    /// <summary>What to do about a holder of a kind, as its line ends: " (detach the handler in an [OnGenerationReleasing] hook)".</summary>
    public static string Hint(string kind) => kind switch
    {
        Kinds.StaticEvent => " (detach the handler in an [OnGenerationReleasing] hook)",
        Kinds.FrameworkCache => " (a cache of the framework: clear it, or keep the generation's types out of it)",
        Kinds.StaticField => " (clear it in an [OnGenerationReleasing] hook)",
        Kinds.GCHandle => " (free the handle in an [OnGenerationReleasing] hook)",
        Kinds.Timer => " (dispose or cancel it in an [OnGenerationReleasing] hook)",
        Kinds.Thread => " (a thread runs its code, and holds it, until it returns: stop it in an [OnGenerationReleasing] hook)",
        Kinds.FinalizerQueue => " (its finalizer has not run yet: it will, unless the finalizer thread is blocked)",
        Kinds.Stack => " (a method still running on that thread holds it)",
        _ => "",
    };

    public static string Line(params string[] fields) =>
        string.Join('\t', fields.Select(f => f.Replace('\t', ' ').ReplaceLineEndings(" ")));

    public static string[] Fields(string line) => line.Split('\t');
}
