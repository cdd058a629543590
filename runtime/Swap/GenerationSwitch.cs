using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace HotReload.Runtime;

/// <summary>What a switch did: the generation now live, how its state moved, and a releasing hook of the old one that threw.</summary>
internal sealed record SwitchOutcome(LiveGeneration Live, MigrationReport? Migration, HookFailure? ReleasingFailure);

/// <summary>
/// Makes a prepared generation live, on the host's thread, in an order that leaves the running generation and its
/// state exactly as they were until the last step that can fail has passed:
/// <list type="number">
/// <item>bind: every entry point resolved in the new generation (<c>HR2002</c> refuses the copy);</item>
/// <item>migrate: the old generation's state carried into the new one (<c>HR2012</c> refuses it; host objects untouched);</item>
/// <item>the new generation's <see cref="OnGenerationLoadedAttribute"/> hooks (<c>HR2008</c> refuses it);</item>
/// <item>commit: the host's objects get their migrated references, every binding its new delegate (field writes only);</item>
/// <item>release: the old generation's <see cref="OnGenerationReleasingAttribute"/> hooks run, and its context is unloaded.</item>
/// </list>
/// </summary>
internal sealed class GenerationSwitch(BindingSet bindings, TrackedRoots roots, UnloadTracker tracker)
{
    private readonly IdentityMapPool _maps = new();
    private readonly MigrationRegion _region = new();

    /// <summary>The new generation's types the last migration produced objects of, for planning the next one ahead.</summary>
    public IReadOnlyList<Type> MigratedTypes { get; private set; } = [];

    /// <summary>
    /// Makes <paramref name="prepared"/> live in place of <paramref name="current"/> (null for the first generation,
    /// which has no state to take over). On failure, <paramref name="prepared"/> is released unused and nothing else changed.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public bool TryMakeLive(PreparedGeneration prepared, LiveGeneration? current, [NotNullWhen(true)] out SwitchOutcome? outcome, [NotNullWhen(false)] out Exception? failure)
    {
        outcome = null;
        ILiveFunction[] functions;
        object[] bound;
        try
        {
            (functions, bound) = bindings.Resolve(prepared);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Refuse(prepared, e, out failure);
        }

        PreparedMigration? migration = null;
        MigrationReport? nothingToMigrate = null;
        if (current is not null)
        {
            var clock = Stopwatch.StartNew();
            var planner = prepared.TakePlanner(current);
            var tracked = roots.Alive();
            if (planner.Statics.Count == 0 && !tracked.Exists(root => HostTypes.CanHold(root.GetType())))
            {
                // No static field to carry, and no tracked root whose type can hold an object of the library: nothing of
                // the state can lead to the library. (And no types to expect next time: the last ones are the
                // generation being released, which they would keep.)
                nothingToMigrate = new MigrationReport(clock.Elapsed, 0, 0, 0, planner.Notes, []);
                MigratedTypes = [];
            }
            else
            {
                var map = _maps.Take();
                try
                {
                    using var region = _region.Enter(map);
                    migration = new StateMigrator(planner, map).Run(tracked);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    return Refuse(prepared, MigrationFailed(e, prepared.Generation, current.Number), out failure);
                }

                MigratedTypes = planner.MigratedTypes();
            }
        }

        if (prepared.Hooks.RunLoaded() is { } hookFailure)
        {
            DropMigration(migration);
            return Refuse(prepared, new HotReloadException(
                $"HR2008: the [OnGenerationLoaded] hook {hookFailure.Hook} of generation {prepared.Generation} threw {hookFailure.Exception.GetType().Name}: {Messages.Sentence(hookFailure.Exception.Message)} The copy is refused and generation {current?.Number ?? 0} keeps running; fix the hook and save again.",
                hookFailure.Exception), out failure);
        }

        // From here on nothing fails: only field writes, then the old generation's release.
        var report = migration?.Commit() ?? nothingToMigrate;
        if (migration is not null)
        {
            _maps.Return(migration.Objects);
        }

        BindingSet.Apply(functions, bound, prepared.Generation);
        var live = new LiveGeneration(prepared.Generation, prepared.Context, prepared.Assembly, prepared.Hooks);
        HookFailure? releasing = null;
        if (current is not null)
        {
            releasing = current.Hooks.RunReleasing();
            tracker.Release(current.Number, current.Context, wentLive: true);
        }

        outcome = new SwitchOutcome(live, report, releasing);
        failure = null;
        return true;
    }

    private void DropMigration(PreparedMigration? migration)
    {
        if (migration is not null)
        {
            migration.Drop();
            _maps.Return(migration.Objects);
        }
    }

    private bool Refuse(PreparedGeneration prepared, Exception e, out Exception failure)
    {
        tracker.Release(prepared.Generation, prepared.Context, wentLive: false);
        failure = e;
        return false;
    }

    /// <summary>A migration's failure as <c>HR2012</c>, naming what threw; a hook's own HR2012 message is kept.</summary>
    private static HotReloadException MigrationFailed(Exception e, int generation, int running) =>
        e is HotReloadException { Message: var message } coded && message.StartsWith("HR2012", StringComparison.Ordinal)
            ? new HotReloadException($"{Messages.Sentence(message)} The copy is refused and generation {running} keeps running with its state unchanged.", coded.InnerException ?? coded)
            : new HotReloadException(
                $"HR2012: moving the state into generation {generation} failed: {e.GetType().Name}: {Messages.Sentence(e.Message)} The copy is refused and generation {running} keeps running with its state unchanged; fix the code and save again.",
                e);
}
