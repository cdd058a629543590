using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace HotReload.Runtime;

/// <summary>
/// Live mode of one library: the parts of a swap wired together. It watches the folder of copies (and hears the warm
/// compiler), has each new copy prepared off the host's thread (<see cref="CopyPreparer"/>), switches to it on the host's
/// thread (<see cref="GenerationSwitch"/>: bind, migrate, hooks, commit, release), proves the old one unloads
/// (<see cref="UnloadTracker"/>), and rolls back on a fault (<see cref="RollbackHistory"/>). Everything it has to tell
/// the host waits in a queue for the host's next <see cref="ReloadableLibrary.Update"/>.
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class LiveSession : IFaultHandler, IDisposable
{
    private readonly GenerationFolder _folder;
    private readonly GenerationWatcher _watcher;
    private readonly UnloadTracker _tracker;
    private readonly CopyPreparer _preparer;
    private readonly GenerationSwitch _switch;
    private readonly WarmCompiler? _compiler;
    private readonly PatchApplier _patches;
    private readonly RollbackHistory? _history; // null unless ReloadOptions.RollbackOnException
    private readonly ConcurrentQueue<EventArgs> _events = new();
    private readonly Action _signal;
    private volatile LiveGeneration? _current;
    private volatile bool _disposed;

    public LiveSession(string name, string copiesDirectory, string? compileManifest, ReloadOptions options, BindingSet bindings, TrackedRoots roots, Action signal)
    {
        _signal = signal;
        _folder = new GenerationFolder(copiesDirectory, name);
        _tracker = new UnloadTracker(signal, new StallDiagnosis(name, compileManifest, options.StallDiagnosis), options.UnloadStallTimeout, options.CollectReleasedGenerations);
        _history = options.RollbackOnException ? new RollbackHistory() : null;
        _preparer = new CopyPreparer(_folder, bindings, _tracker, () => _current, Enqueue, signal);
        _switch = new GenerationSwitch(bindings, roots, _tracker);
        _patches = new PatchApplier(_folder, options.CompileOnSave ? compileManifest : null, Enqueue);

        // Watch first, then scan: a copy published in between is seen.
        _watcher = new GenerationWatcher(copiesDirectory, _preparer.OnCopiesChanged, signal);

        // Start on the newest copy (made by the host's own build from the current source); a failure is reported by the
        // first Update, once the host has subscribed.
        _preparer.PrepareNewest();
        TrySwitch(out _);
        SwapPathWarmUp.Start();
        _preparer.StartWatching();

        if (options.CompileOnSave && compileManifest is not null)
        {
            _compiler = WarmCompiler.TryStart(compileManifest, name, Enqueue, _preparer.Schedule, signal);
        }
    }

    /// <summary>The generation whose code runs; null only when no copy could be loaded at all.</summary>
    public LiveGeneration? Current => _current;

    public bool CompilesOnSave => _compiler is not null;

    public int? CompilerProcessId => _compiler?.ProcessId;

    public int PendingUnloads => _tracker.PendingCount;

    /// <summary>Makes every later bound call of <paramref name="function"/> guarded, when rollback is on.</summary>
    public void Guard(ILiveFunction function)
    {
        if (_history is not null)
        {
            function.GuardWith(this);
        }
    }

    private void Enqueue(EventArgs e)
    {
        _events.Enqueue(e);
        _signal();
    }

    /// <summary>On the host's thread: makes the prepared generation live, if one waits. Only field writes when nothing migrates.</summary>
    public bool TrySwitch(out GenerationChangedEventArgs? changed)
    {
        changed = null;
        var prepared = _preparer.Take();
        if (prepared is null)
        {
            return false;
        }

        var stopwatch = Stopwatch.StartNew();
        var previous = _current;
        if (!_switch.TryMakeLive(prepared, previous, out var outcome, out var failure))
        {
            _preparer.Refuse(prepared.Generation, prepared.AssemblyPath, failure);
            return false;
        }

        _current = outcome.Live;
        _preparer.ExpectTypes(_switch.MigratedTypes);
        if (previous is not null)
        {
            _history?.RanCleanly(previous.Number); // replaced without a fault: a place to roll back to
            ReportReleasingFailure(previous.Number, outcome.ReleasingFailure);
        }

        changed = new GenerationChangedEventArgs(previous?.Number ?? 0, prepared.Generation, prepared.AssemblyPath, stopwatch.Elapsed,
            prepared.LoadTime, prepared.SincePrepared.Elapsed, prepared.Save) { Migration = outcome.Migration };
        return true;
    }

    /// <summary>On the host's thread: applies the live generation's patches that are not applied yet.</summary>
    public bool TryPatch(out GenerationPatchedEventArgs? patched)
    {
        patched = _current is { } live ? _patches.ApplyPending(live) : null;
        return patched is not null;
    }

    /// <summary>What waits to be raised: refusals, faults, the compiler's messages, then unloads and stalls.</summary>
    public IEnumerable<EventArgs> TakeEvents()
    {
        while (_events.TryDequeue(out var queued))
        {
            yield return queued;
        }

        while (_tracker.TryTakeResult(out var result))
        {
            yield return result!;
        }
    }

    private void ReportReleasingFailure(int generation, HookFailure? failure)
    {
        if (failure is not null)
        {
            Enqueue(new GenerationFaultedEventArgs(generation, failure.Hook, failure.Exception, _current?.Number ?? 0, rolledBack: false,
                $"HR2008: the [OnGenerationReleasing] hook {failure.Hook} of generation {generation} threw {failure.Exception.GetType().Name}: {Messages.Sentence(failure.Exception.Message)} The generation is released anyway; what the hook did not stop may keep it in memory."));
        }
    }

    bool IFaultHandler.CanRollBack(int generation) =>
        generation == _current?.Number && !_disposed && _history is not null
        && (_history.HasCandidateFor(generation) || _patches.RollbackPoint(generation) >= 0);

    bool IFaultHandler.RollBack(string entryPoint, int generation, Exception exception)
    {
        // Never load the faulted copy again; a newer copy goes live as usual.
        _preparer.MarkRefused(generation);
        var faulted = _current!;
        var location = FaultLocation.Find(exception, faulted.Assembly);
        _history!.Forget(generation);
        if (RollBackPatch(entryPoint, faulted, exception, location))
        {
            return true;
        }

        foreach (var candidate in _history.CandidatesFor(generation))
        {
            PreparedGeneration prepared;
            try
            {
                prepared = _preparer.Load(candidate);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _history.Forget(candidate); // pruned, or no longer loads: try an older one
                continue;
            }

            // The state moves back too: the faulted generation's objects into the candidate's code.
            if (!_switch.TryMakeLive(prepared, faulted, out var outcome, out _))
            {
                _history.Forget(candidate);
                continue;
            }

            _current = outcome.Live;
            ReportReleasingFailure(generation, outcome.ReleasingFailure);
            Enqueue(new GenerationFaultedEventArgs(generation, entryPoint, exception, candidate, rolledBack: true,
                $"HR2007: {entryPoint} threw {exception.GetType().Name} in generation {generation}: {Messages.Sentence(exception.Message)} Rolled back to generation {candidate}, which runs the call again; generation {generation} will not be loaded again: fix the code and save.")
            { Location = location, Migration = outcome.Migration });
            return true;
        }

        Enqueue(new GenerationFaultedEventArgs(generation, entryPoint, exception, _current?.Number ?? 0, rolledBack: false,
            $"HR2007: {entryPoint} threw {exception.GetType().Name} in generation {generation}: {Messages.Sentence(exception.Message)} No earlier generation could be loaded again, so the exception reaches the host.")
            { Location = location });
        return false;
    }

    /// <summary>
    /// A fault in a patched generation goes back first to the same copy with all but its newest patch, loaded afresh
    /// with the state moved into it: the code that last ran cleanly, with nothing older lost. False when the generation
    /// has no patch here, or that copy cannot be made live (then an earlier generation is tried).
    /// </summary>
    private bool RollBackPatch(string entryPoint, LiveGeneration faulted, Exception exception, string? location)
    {
        var keep = _patches.RollbackPoint(faulted.Number);
        if (keep < 0)
        {
            return false;
        }

        PreparedGeneration prepared;
        try
        {
            prepared = _preparer.Load(faulted.Number);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }

        try
        {
            _patches.Replay(prepared, keep);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _tracker.Release(prepared.Generation, prepared.Context, wentLive: false);
            return false;
        }

        if (!_switch.TryMakeLive(prepared, faulted, out var outcome, out _))
        {
            return false;
        }

        _current = outcome.Live;
        _patches.RolledBack(keep);
        ReportReleasingFailure(faulted.Number, outcome.ReleasingFailure);
        var patches = keep == 0 ? "without its patches" : keep == 1 ? "with patch 1 only" : $"with patches 1 to {keep}";
        Enqueue(new GenerationFaultedEventArgs(faulted.Number, entryPoint, exception, faulted.Number, rolledBack: true,
            $"HR2007: {entryPoint} threw {exception.GetType().Name} in generation {faulted.Number} after patch {keep + 1}: {Messages.Sentence(exception.Message)} Rolled back to generation {faulted.Number} {patches}, which runs the call again; the next save goes live as a full copy: fix the code and save.")
            { Location = location, Migration = outcome.Migration });
        return true;
    }

    /// <summary>Stops watching and compiling, and releases the live generation (its releasing hooks run, unreported).</summary>
    public void Dispose()
    {
        _disposed = true;
        _compiler?.Dispose();
        _watcher.Dispose();
        _patches.Dispose();
        _preparer.Dispose();
        if (_current is { } live)
        {
            _current = null;
            live.Hooks.RunReleasing(); // nothing raises events after Dispose: a failure here goes unreported
            live.Context.Unload();
        }

        _tracker.Dispose();
    }
}
