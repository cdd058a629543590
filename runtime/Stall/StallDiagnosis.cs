using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace HotReload.Runtime;

/// <summary>
/// Finds what holds a stalled generation: the helper process first (<see cref="DiagnosisHelper"/>, which sees every root:
/// threads, GC handles, the framework's static events, the finalizer queue), the runtime's own search
/// (<see cref="LeakDiagnosis"/>) where the helper cannot read the host's heap, with the reason. Runs on the unload
/// tracker's thread, never the host's.
/// </summary>
internal sealed class StallDiagnosis
{
    public const string ModeVariable = "HOTRELOAD_STALL_DIAGNOSIS";
    private const int MostCauses = 8;

    /// <summary>How many times the heap is read live when a collection runs during each read.</summary>
    public const int MostLiveReads = 2;

    private readonly string _library;
    private readonly string? _compileManifest;
    private readonly StallDiagnosisMode _mode;

    public StallDiagnosis(string library, string? compileManifest, StallDiagnosisMode mode)
    {
        _library = library;
        _compileManifest = compileManifest;
        _mode = ModeFrom(Environment.GetEnvironmentVariable(ModeVariable)) ?? mode;
    }

    /// <summary>The mode an environment variable's value names; null for none (or a value it does not know).</summary>
    public static StallDiagnosisMode? ModeFrom(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "auto" => StallDiagnosisMode.Auto,
        "dump" => StallDiagnosisMode.Dump,
        "in-process" or "inprocess" => StallDiagnosisMode.InProcess,
        _ => null,
    };

    /// <summary>
    /// The stall of <paramref name="generation"/>, with its holders; null when the generation left memory while it was
    /// searched (its unload is reported instead). <paramref name="context"/> is weak: the helper needs no reference to it.
    /// </summary>
    public UnloadStalledEventArgs? Diagnose(int generation, WeakReference context, TimeSpan afterRelease, bool wentLive, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        string reason;
        if (_mode == StallDiagnosisMode.InProcess)
        {
            reason = $"the search from outside is off ({ModeVariable} or ReloadOptions.StallDiagnosis is InProcess)";
        }
        else if (DiagnosisHelper.Locate(_compileManifest, out reason) is { } helper)
        {
            var assembly = CopyLayout.AssemblyName(_library, generation);
            var report = ReadFromOutside(helper, assembly, () => context.IsAlive, stop);
            if (report.Gone && !context.IsAlive)
            {
                return null;
            }

            if (report.Gone)
            {
                reason = "the helper did not find the generation in the host's heap";
            }
            else if (report.Refusal is null)
            {
                return new UnloadStalledEventArgs(generation, afterRelease, wentLive, report.Causes,
                    new StallSearch(report.Method, clock.Elapsed, report.HostPause, FallbackReason: null));
            }
            else
            {
                reason = report.Refusal;
            }
        }

        var causes = SearchInProcess(context);
        return causes is null
            ? null
            : new UnloadStalledEventArgs(generation, afterRelease, wentLive, causes, new StallSearch(StallSearch.InProcess, clock.Elapsed, TimeSpan.Zero, reason));
    }

    private HelperReport ReadFromOutside(DiagnosisHelper helper, string assembly, Func<bool> alive, CancellationToken stop)
    {
        try
        {
            return ReadWhileAlive(dumpOnly =>
            {
                // Live, the host's collections are held off while the helper reads (a dump needs no such thing).
                using var pause = dumpOnly ? null : CollectionPause.Start();
                var read = helper.Run(Environment.ProcessId, assembly, dumpOnly, MostCauses, stop);
                return read with { HeapMoved = pause is { Collected: true } && read.Method == StallProtocol.AttachedLive };
            }, _mode == StallDiagnosisMode.Dump, alive);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever went wrong out there, the host goes on: the runtime's own search, with the reason.
            return HelperReport.Refused($"the search from outside failed ({e.GetType().Name}: {e.Message.TrimEnd('.')})");
        }
    }

    /// <summary>
    /// <see cref="ReadHolders"/>, and once more from a dump when the helper did not find the generation while its
    /// context is still <paramref name="alive"/>: read live, the host's list of assemblies can change under the reader
    /// (others loading and unloading) and miss it; a dump is a consistent snapshot. A dump that is refused leaves the
    /// first answer.
    /// </summary>
    public static HelperReport ReadWhileAlive(Func<bool, HelperReport> run, bool dumpOnly, Func<bool> alive)
    {
        var report = ReadHolders(run, dumpOnly);
        if (!report.Gone || !alive())
        {
            return report;
        }

        var fromDump = ReadHolders(run, dumpOnly: true);
        if (fromDump.Gone || fromDump.Refusal is not null)
        {
            return fromDump.Gone ? fromDump : report;
        }

        return dumpOnly ? fromDump : fromDump with { Method = $"{fromDump.Method} (read live, the generation was not found)" };
    }

    /// <summary>
    /// Runs the helper (<paramref name="run"/> takes whether to read from a dump only): live first unless
    /// <paramref name="dumpOnly"/>. Read live, the heap must not move under the reader: <see cref="CollectionPause"/>
    /// holds collections off; one that ran all the same (the host allocated past the budget) can move a holder out of
    /// its sight, so read again, up to <see cref="MostLiveReads"/> times. The runtime's data access library can even
    /// fault on a half-moved object and take the helper down, or lose its way; and a live read does not search the
    /// locals of the threads' stacks (it cannot walk them safely while they run). Then from a dump, a consistent
    /// snapshot with every root (the host pauses while it is written): when a live read crashed, found no holder, or saw
    /// a collection every time (then, should the dump be refused, the live read stands and says that a holder may be
    /// missing). A refusal is not retried: the helper tries the dump itself when attaching is refused.
    /// </summary>
    public static HelperReport ReadHolders(Func<bool, HelperReport> run, bool dumpOnly)
    {
        var report = run(dumpOnly);
        for (var read = 1; report.HeapMoved && !report.Crashed && read < MostLiveReads; read++)
        {
            report = run(dumpOnly);
        }

        if (dumpOnly || report.Gone || (report.Refusal is not null && !report.Crashed))
        {
            return report;
        }

        // A live read that found holders with the heap still stands; so does any read the helper made from a dump itself
        // (attaching refused).
        if (!report.Crashed && ((report.Causes.Count > 0 && !report.HeapMoved) || report.Method != StallProtocol.AttachedLive))
        {
            return report;
        }

        var collected = $"a collection ran during each of {MostLiveReads} reads";
        var moved = report.HeapMoved ? $" ({collected}: a holder may be missing)" : "";
        var why = report.Crashed ? report.Refusal : report.HeapMoved ? collected : "no holder found";
        var fromDump = run(true);
        if (fromDump.Refusal is null)
        {
            return fromDump with { Method = $"{fromDump.Method} (read live, {why})" };
        }

        return report.Crashed
            ? fromDump with { Refusal = $"read live, {report.Refusal}; from a dump, {fromDump.Refusal}" }
            : report with { Method = $"{report.Method}{moved} (from a dump, {fromDump.Refusal})" };
    }

    // Separate, so that the strong reference the search needs is gone when it returns.
    [MethodImpl(MethodImplOptions.NoInlining)]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only live mode creates a tracker; a trimmed host has HotReload.IsSupported off and never reaches it.")]
    private static IReadOnlyList<StallCause>? SearchInProcess(WeakReference context) =>
        context.Target is AssemblyLoadContext alive ? LeakDiagnosis.FindHolders(alive) : null;
}

/// <summary>How a stall's holders were searched for.</summary>
/// <param name="Method">How the heap was read: <c>attached live</c>, <c>from a dump</c>, <see cref="InProcess"/>.</param>
/// <param name="Time">The search's whole time, from the stall's detection to its report.</param>
/// <param name="HostPause">How long the host was paused by it (the dump's writing; zero attached live or in-process).</param>
/// <param name="FallbackReason">Why the heap could not be read from outside; null when it was.</param>
internal sealed record StallSearch(string Method, TimeSpan Time, TimeSpan HostPause, string? FallbackReason)
{
    public const string InProcess = "in-process";
}
