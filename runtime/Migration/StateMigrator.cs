using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace HotReload.Runtime;

/// <summary>
/// Carries the state of one generation over to the next, on the host's thread, between two frames. The roots are the
/// old generation's static fields and the objects the host tracks (ReloadableLibrary.Track); no heap is
/// walked. Every object of the library reached from them is recreated in the new generation (uninitialized, then filled
/// field by field by generated code, an added field by its initializer), once, whatever number of references lead to
/// it, through a work queue rather than recursion, so a graph a million objects deep is fine. Host objects keep their
/// identity: their references to the library are updated in place, but only in <see cref="PreparedMigration.Commit"/>,
/// after everything else has succeeded, so a migration that fails leaves the running generation's state untouched.
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class StateMigrator
{
    internal static readonly MethodInfo MapFieldMethod = typeof(StateMigrator).GetMethod(nameof(MapField), BindingFlags.NonPublic | BindingFlags.Instance)!;
    internal static readonly MethodInfo MapEnumMethod = typeof(StateMigrator).GetMethod(nameof(MapEnum), BindingFlags.NonPublic | BindingFlags.Instance)!;
    internal static readonly MethodInfo ChangesMethod = typeof(StateMigrator).GetMethod(nameof(Changes), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private readonly MigrationPlanner _planner;
    private readonly MigrationCode _code;
    private readonly IdentityMap _objects;
    private readonly List<string> _notes = [];
    private readonly List<(object Collection, Array Elements, Action<object, Array> AddAll)> _rehash = [];
    private readonly List<(object Target, object Updated, Action<object, object>? CopyBack)> _commits = [];
    private readonly List<(MethodInfo Hook, object? Target, MigrationSource Source)> _hooks = [];
    private Work[] _work = new Work[256];
    private int _workCount;
    private Type? _lastType;
    private TypePlan? _lastPlan;

    /// <param name="planner">The plans of the two generations, made ahead or not; used by this migration alone.</param>
    /// <param name="objects">
    /// The identity map, empty, kept from the last migration (so it neither grows nor touches fresh memory on the way);
    /// null for a new one. <see cref="PreparedMigration"/> hands it back for emptying.
    /// </param>
    public StateMigrator(MigrationPlanner planner, IdentityMap? objects = null)
    {
        _planner = planner;
        _code = planner.Code;
        _objects = objects ?? new IdentityMap(1024);
    }

    /// <summary>A migration planned on the spot.</summary>
    public StateMigrator(Assembly from, Assembly to, int fromGeneration, int toGeneration)
        : this(new MigrationPlanner(from, to, fromGeneration, toGeneration))
    {
    }

    public GenerationTypeMap Types => _planner.Types;

    public int FromGeneration => _planner.FromGeneration;

    public int ToGeneration => _planner.ToGeneration;

    /// <summary>The identity map, for the next migration once this one is over (<see cref="PreparedMigration"/> empties it).</summary>
    internal IdentityMap Objects => _objects;

    private readonly record struct Work(object Old, object? New, TypePlan Plan, bool Into);

    /// <summary>
    /// Moves the state: static fields, then the tracked roots, then everything they lead to, then the hashed collections,
    /// then the <see cref="OnMigratedAttribute"/> hooks. Throws when user code it runs throws (a static constructor, an
    /// initializer, a hook, a comparer) or an object cannot be built; nothing of the running generation has changed then,
    /// and the identity map is already empty.
    /// </summary>
    public PreparedMigration Run(IReadOnlyList<object> trackedRoots)
    {
        try
        {
            return RunCore(trackedRoots);
        }
        catch
        {
            _objects.Clear(); // it refers to both generations: nothing may keep the old one alive
            throw;
        }
    }

    private PreparedMigration RunCore(IReadOnlyList<object> trackedRoots)
    {
        var clock = Stopwatch.StartNew();
        var statics = _planner.Statics;

        // Static readonly objects first: the new code's own instance is their counterpart, so every reference to the old
        // one, met later, leads to it.
        foreach (var plan in statics)
        {
            Attempt(() => MigrateReadonlyStatics(plan.Readonly), "the static fields of", plan.From);
        }

        foreach (var plan in statics)
        {
            if (plan.Fill is { } fill)
            {
                Attempt(() => fill(this), "the static fields of", plan.From);
            }


            if (plan.Hook is not null)
            {
                _hooks.Add((plan.Hook, null, new MigrationSource(plan.From, null, FromGeneration, Map)));
            }
        }

        foreach (var root in trackedRoots)
        {
            Map(root);
        }

        Drain();

        // Every key is complete now: hash and sort. Inner collections (found later) first, for keys that hash their contents.
        for (var i = _rehash.Count - 1; i >= 0; i--)
        {
            var (collection, elements, addAll) = _rehash[i];
            Attempt(() => addAll(collection, elements), "the elements of a", collection.GetType());
        }

        RunHooks();
        return new PreparedMigration(this, clock.Elapsed);
    }

    /// <summary>
    /// A static readonly field keeps the new code's value, unless both hold an object with contents (a collection, an
    /// object of the library or of the host that can refer to it): then the old contents migrate into the new code's
    /// object, which the JIT may have folded into the new code already.
    /// </summary>
    private void MigrateReadonlyStatics(IReadOnlyList<(FieldInfo Old, FieldInfo New)> fields)
    {
        foreach (var (old, field) in fields)
        {
            var oldValue = old.GetValue(null);
            var newValue = field.GetValue(null); // runs the new code's static constructor
            if (oldValue is null || newValue is null || ReferenceEquals(oldValue, newValue) || _objects.TryGet(oldValue, out _))
            {
                continue;
            }

            var plan = _planner.PlanFor(oldValue.GetType());
            var copy = plan switch
            {
                UpdatePlan update => update.Inner,
                CopyPlan direct and (ClassCopyPlan or CollectionCopyPlan or ArrayCopyPlan) => direct,
                _ => null, // a number, a string, a delegate, a struct: the new code's value
            };
            if (copy is null || copy.To != newValue.GetType()
                || (copy is ArrayCopyPlan && !ArrayCopyPlan.SameShape((Array)oldValue, (Array)newValue)))
            {
                continue;
            }

            Register(oldValue, newValue);
            Enqueue(oldValue, newValue, copy, into: true);
            copy.Count++;
        }
    }

    /// <summary>The new counterpart of <paramref name="old"/>: its migrated object, itself (a host object), or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public object? Map(object? old)
    {
        if (old is null)
        {
            return null;
        }

        var type = old.GetType();
        TypePlan plan;
        if (ReferenceEquals(type, _lastType))
        {
            plan = _lastPlan!;
        }
        else
        {
            plan = _planner.PlanFor(type);
            _lastType = type;
            _lastPlan = plan;
        }

        if (plan is KeepPlan or KeptRunningPlan)
        {
            return old;
        }

        return _objects.TryGet(old, out var mapped) ? mapped : plan.Begin(old, this);
    }

    /// <summary>Called by generated code for a reference field: the migrated value, if the new field can hold it; else null, reported.</summary>
    // Generated code calls it: inlining it there costs more JIT time than it saves.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal object? MapField(object? value, int slot)
    {
        if (value is null)
        {
            return null;
        }

        // A field mostly holds one type: the slot remembers its plan, sparing the lookup by type.
        var target = _code.ReferenceSlots[slot];
        var type = value.GetType();
        TypePlan plan;
        if (ReferenceEquals(type, target.LastType))
        {
            plan = target.LastPlan!;
        }
        else
        {
            plan = _planner.PlanFor(type);
            target.LastType = type;
            target.LastPlan = plan;
        }

        object? mapped;
        if (plan is KeepPlan)
        {
            mapped = value;
        }
        else if (plan is KeptRunningPlan running)
        {
            running.Where.Add(target.Where);
            mapped = value;
        }
        else
        {
            mapped = _objects.TryGet(value, out var known) ? known : plan.Begin(value, this);
        }

        if (mapped is null || target.Accepts(mapped.GetType()))
        {
            return mapped;
        }

        target.Rejected++;
        return null;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal long MapEnum(long value, int table) => _code.EnumTables[table].Map(value);

    /// <summary>Called by generated scans: true when migration changes this reference.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal bool Changes(object? value) => value is not null && !ReferenceEquals(Map(value), value);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Register(object old, object? @new) => _objects.Add(old, @new);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Enqueue(object old, object? @new, TypePlan plan, bool into)
    {
        if (_workCount == _work.Length)
        {
            Array.Resize(ref _work, _work.Length * 2);
        }

        _work[_workCount++] = new Work(old, @new, plan, into);
    }

    internal void QueueRehash(object collection, Array elements, Action<object, Array> addAll) => _rehash.Add((collection, elements, addAll));

    internal void QueueCommit(object target, object updated, Action<object, object>? copyBack) => _commits.Add((target, updated, copyBack));

    internal void QueueHook(MethodInfo hook, object old, object @new) =>
        _hooks.Add((hook, @new, new MigrationSource(old.GetType(), old, FromGeneration, Map)));

    internal void Note(string change)
    {
        if (!_notes.Contains(change))
        {
            _notes.Add(change);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Drain()
    {
        var work = default(Work);
        try
        {
            while (_workCount > 0)
            {
                work = _work[--_workCount];
                _work[_workCount] = default;
                if (work.Plan is UpdatePlan update)
                {
                    update.Update(work.Old, this);
                }
                else
                {
                    ((CopyPlan)work.Plan).Fill(work.Old, work.New!, this, work.Into);
                }
            }
        }
        catch (Exception e) when (e is not HotReloadException and not OutOfMemoryException)
        {
            throw Failed(e, "a", work.Old?.GetType());
        }
    }

    /// <summary>Runs a step, naming what it was moving when user code it ran (a static constructor, an initializer) throws.</summary>
    private static void Attempt(Action step, string what, Type type)
    {
        try
        {
            step();
        }
        catch (Exception e) when (e is not HotReloadException and not OutOfMemoryException)
        {
            throw Failed(e, what, type);
        }
    }

    private static HotReloadException Failed(Exception e, string what, Type? type)
    {
        var cause = e is TargetInvocationException or TypeInitializationException && e.InnerException is { } inner ? inner : e;
        return new HotReloadException(
            $"HR2012: moving {what} {(type is null ? "value" : Conversion.NameOf(type))} into the new generation failed: {cause.GetType().Name}: {Messages.Sentence(cause.Message)}",
            cause);
    }

    private void RunHooks()
    {
        foreach (var (hook, target, source) in _hooks)
        {
            try
            {
                hook.Invoke(target, [source]);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw new HotReloadException(
                    $"HR2012: the [OnMigrated] hook {hook.DeclaringType?.FullName}.{hook.Name} threw {e.InnerException.GetType().Name}: {Messages.Sentence(e.InnerException.Message)}",
                    e.InnerException);
            }
            finally
            {
                source.Invalidate();
            }
        }
    }

    /// <summary>The report's counts and lines, once the migration is committed.</summary>
    internal MigrationReport Report(TimeSpan time)
    {
        var objects = 0;
        var types = 0;
        var problems = new List<string>(_code.Problems);
        foreach (var plan in _planner.Plans)
        {
            switch (plan)
            {
                case CopyPlan copy when copy.From != copy.To && copy.Count > 0:
                    objects += copy.Count;
                    types++;
                    break;
                case DropPlan { Count: > 0 } drop:
                    problems.Add(drop.Problem);
                    break;
                case KeptRunningPlan { Where.Count: > 0 } running:
                    problems.Add($"HR2014: {string.Join(", ", running.Where)} holds a {running.What}, kept as it is: it goes on running the old generation's code (and keeps it in memory) until it ends. Stop it in an [OnGenerationReleasing] hook and start it again in an [OnGenerationLoaded] one.");
                    break;
                case DelegatePlan delegates:
                    foreach (var (name, count) in delegates.Stubbed)
                    {
                        problems.Add($"HR2015: {name} is gone from the new code: {count} delegate{(count == 1 ? "" : "s")} kept in the state now throw{(count == 1 ? "s" : "")} when called; assign a new method.");
                    }

                    break;
            }
        }

        foreach (var slot in _code.ReferenceSlots)
        {
            if (slot.Rejected > 0)
            {
                problems.Add($"HR2013: {slot.Where}: {slot.Rejected} value{(slot.Rejected == 1 ? "" : "s")} no longer fit its type {Conversion.NameOf(slot.Target)} and {(slot.Rejected == 1 ? "was" : "were")} reset to null.");
            }
        }

        foreach (var table in _code.EnumTables)
        {
            if (table.Removed > 0)
            {
                problems.Add($"HR2013: {table.Removed} {table.Name} value{(table.Removed == 1 ? "" : "s")} named a member that is gone and became 0.");
            }
        }

        var changes = _code.Changes.Concat(_planner.Notes).Concat(_notes).Distinct().ToList();
        return new MigrationReport(time, objects, types, _commits.Count, changes, problems);
    }

    /// <summary>Writes the updated references into the host's objects. Only field copies: it cannot fail half-way.</summary>
    internal void Commit()
    {
        foreach (var (target, updated, copyBack) in _commits)
        {
            if (copyBack is null)
            {
                Array.Copy((Array)updated, (Array)target, ((Array)target).Length);
            }
            else
            {
                copyBack(updated, target);
            }
        }
    }
}

/// <summary>A migration that has run, waiting for the swap to commit it (or to drop it, leaving the old state as it was).</summary>
internal sealed class PreparedMigration(StateMigrator migrator, TimeSpan runTime)
{
    private StateMigrator? _migrator = migrator;

    /// <summary>The identity map, to empty and keep for the next migration once this one is committed or dropped.</summary>
    public IdentityMap Objects { get; } = migrator.Objects;

    /// <summary>Commits the host's updates and returns the report; the migrator (which refers to both generations) is let go.</summary>
    public MigrationReport Commit()
    {
        var clock = Stopwatch.StartNew();
        var migrator = _migrator ?? throw new InvalidOperationException("A migration is committed or dropped once.");
        _migrator = null;
        migrator.Commit();
        return migrator.Report(runTime + clock.Elapsed);
    }

    /// <summary>Drops the migration: the host's objects were never touched, the new generation's objects are garbage.</summary>
    public void Drop() => _migrator = null;
}

/// <summary>
/// Keeps one identity map between migrations: emptied on the thread pool after a swap (an array as big as the state
/// takes milliseconds to clear), taken by the next migration if it is ready, otherwise a new one is made. An emptied map
/// refers to nothing, so it never keeps a generation in memory.
/// </summary>
internal sealed class IdentityMapPool
{
    private IdentityMap? _idle;

    public IdentityMap Take() => Interlocked.Exchange(ref _idle, null) ?? new IdentityMap(1024);

    public void Return(IdentityMap map) => ThreadPool.UnsafeQueueUserWorkItem(static state =>
    {
        var (pool, map) = ((IdentityMapPool, IdentityMap))state!;
        map.Clear();
        Volatile.Write(ref pool._idle, map);
    }, (this, map));
}
