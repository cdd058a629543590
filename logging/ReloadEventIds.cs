using Microsoft.Extensions.Logging;

namespace HotReload.Extensions.Logging;

/// <summary>
/// The event ids HotReload's log entries carry. A coded message (<c>HR2004: ...</c>) logs under its code's number,
/// named after the code (2004, "HR2004"); events without a code have ids of their own, in ranges no HR code uses.
/// </summary>
public static class ReloadEventIds
{
    /// <summary>A newer generation is live (with its timings).</summary>
    public static readonly EventId GenerationLive = new(2100, nameof(GenerationLive));

    /// <summary>A released generation left the process.</summary>
    public static readonly EventId GenerationUnloaded = new(2101, nameof(GenerationUnloaded));

    /// <summary>The library's state moved into the new generation: time, objects, what changed shape.</summary>
    public static readonly EventId StateMigrated = new(2102, nameof(StateMigrated));

    /// <summary>The holders of a stalled generation were searched for: how, how long, how long the host was paused.</summary>
    public static readonly EventId StallSearched = new(2103, nameof(StallSearched));

    /// <summary>Patches of a save were applied to the live generation in place.</summary>
    public static readonly EventId GenerationPatched = new(2104, nameof(GenerationPatched));

    /// <summary>A save did not compile (the compiler's CSxxxx errors are attached).</summary>
    public static readonly EventId CompileFailed = new(3100, nameof(CompileFailed));

    /// <summary>The warm compiler's progress (ready, building for a project file change).</summary>
    public static readonly EventId CompilerInfo = new(3101, nameof(CompilerInfo));

    /// <summary>The event id of a coded message: <c>HR2004: ...</c> gives (2004, "HR2004"); null without a code.</summary>
    public static EventId? OfMessage(string message) =>
        message.Length >= 7 && message.StartsWith("HR", StringComparison.Ordinal) && message[6] == ':'
        && int.TryParse(message.AsSpan(2, 4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
            ? new EventId(code, message[..6])
            : null;
}
