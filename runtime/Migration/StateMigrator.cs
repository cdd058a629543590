using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

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
    private const BindingFlags DeclaredStatic = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
    private const BindingFlags DeclaredInstance = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    internal static readonly MethodInfo MapFieldMethod = typeof(StateMigrator).GetMethod(nameof(MapField), BindingFlags.NonPublic | BindingFlags.Instance)!;
    internal static readonly MethodInfo MapEnumMethod = typeof(StateMigrator).GetMethod(nameof(MapEnum), BindingFlags.NonPublic | BindingFlags.Instance)!;
    internal static readonly MethodInfo ChangesMethod = typeof(StateMigrator).GetMethod(nameof(Changes), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private readonly MigrationCode _code;
    private readonly IdentityMap _objects = new(1024);
    private readonly Dictionary<Type, TypePlan> _plans = [];
    private readonly List<TypePlan> _planList = [];
    private readonly List<string> _notes = [];
    private readonly List<(object Collection, Array Elements, Action<object, Array> AddAll)> _rehash = [];
    private readonly List<(object Target, object Updated, Action<object, object>? CopyBack)> _commits = [];
    private readonly List<(MethodInfo Hook, object? Target, MigrationSource Source)> _hooks = [];
    private Work[] _work = new Work[256];
    private int _workCount;
    private Type? _lastType;
    private TypePlan? _lastPlan;

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public StateMigrator(Assembly from, Assembly to, int fromGeneration, int toGeneration)
    {
        Types = new GenerationTypeMap(from, to);
        _code = new MigrationCode(Types);
        FromGeneration = fromGeneration;
        ToGeneration = toGeneration;
    }

    public GenerationTypeMap Types { get; }

    public int FromGeneration { get; }

    public int ToGeneration { get; }

    private readonly record struct Work(object Old, object? New, TypePlan Plan, bool Into);

    /// <summary>
    /// Moves the state: static fields, then the tracked roots, then everything they lead to, then the hashed collections,
    /// then the <see cref="OnMigratedAttribute"/> hooks. Throws when user code it runs throws (a static constructor, an
    /// initializer, a hook, a comparer) or an object cannot be built; nothing of the running generation has changed then.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public PreparedMigration Run(IReadOnlyList<object> trackedRoots)
    {
        var clock = Stopwatch.StartNew();
        var types = StaticTypes();

        // Static readonly objects first: the new code's own instance is their counterpart, so every reference to the old
        // one, met later, leads to it.
        foreach (var (from, to) in types)
        {
            MigrateReadonlyStatics(from, to);
        }

        foreach (var (from, to) in types)
        {
            _code.StaticsFill(from, to)?.Invoke(this);
            if (StaticHookOf(to) is { } hook)
            {
                _hooks.Add((hook, null, new MigrationSource(from, null, FromGeneration, Map)));
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
            _rehash[i].AddAll(_rehash[i].Collection, _rehash[i].Elements);
        }

        RunHooks();
        return new PreparedMigration(this, clock.Elapsed);
    }

    /// <summary>The old generation's types with static state, each with its counterpart; a type that is gone is noted.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private List<(Type From, Type To)> StaticTypes()
    {
        var result = new List<(Type, Type)>();
        foreach (var type in GenerationTypeMap.LoadableTypes(Types.From))
        {
            if (type.ContainsGenericParameters || GenerationTypeMap.IsGenerated(type) || type.IsEnum
                || !type.GetFields(DeclaredStatic).Any(FieldPairing.IsState))
            {
                continue; // statics of generic types, closures' caches, enum members: nothing to carry
            }

            if (Types.Map(type) is { } mapped)
            {
                result.Add((type, mapped));
            }
            else
            {
                Note($"{Conversion.NameOf(type)} removed");
            }
        }

        return result;
    }

    /// <summary>
    /// A static readonly field keeps the new code's value, unless both hold an object with contents (a collection, an
    /// object of the library or of the host that can refer to it): then the old contents migrate into the new code's
    /// object, which the JIT may have folded into the new code already.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private void MigrateReadonlyStatics(Type from, Type to)
    {
        foreach (var field in to.GetFields(DeclaredStatic))
        {
            if (!field.IsInitOnly || field.IsLiteral || from.GetField(field.Name, DeclaredStatic) is not { } old || !FieldPairing.IsState(old))
            {
                continue;
            }

            var oldValue = old.GetValue(null);
            var newValue = field.GetValue(null); // runs the new code's static constructor
            if (oldValue is null || newValue is null || ReferenceEquals(oldValue, newValue) || _objects.TryGet(oldValue, out _))
            {
                continue;
            }

            var plan = PlanFor(oldValue.GetType());
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
        }
    }

    /// <summary>The new counterpart of <paramref name="old"/>: its migrated object, itself (a host object), or null.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only live mode migrates.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only live mode migrates.")]
    public object? Map(object? old)
    {
        if (old is null)
        {
            return null;
        }

        var type = old.GetType();
        var plan = ReferenceEquals(type, _lastType) ? _lastPlan! : PlanFor(type);
        if (plan is KeepPlan or KeptRunningPlan)
        {
            return old;
        }

        return _objects.TryGet(old, out var mapped) ? mapped : plan.Begin(old, this);
    }

    /// <summary>Called by generated code for a reference field: the migrated value, if the new field can hold it; else null, reported.</summary>
    internal object? MapField(object? value, int slot)
    {
        if (value is null)
        {
            return null;
        }

        var mapped = Map(value);
        var target = _code.ReferenceSlots[slot];
        if (_lastPlan is KeptRunningPlan running && ReferenceEquals(mapped, value))
        {
            running.Where.Add(target.Where);
        }

        if (mapped is null || target.Accepts(mapped.GetType()))
        {
            return mapped;
        }

        target.Rejected++;
        return null;
    }

    internal long MapEnum(long value, int table) => _code.EnumTables[table].Map(value);

    /// <summary>Called by generated scans: true when migration changes this reference.</summary>
    internal bool Changes(object? value) => value is not null && !ReferenceEquals(Map(value), value);

    internal void Register(object old, object? @new) => _objects.Add(old, @new);

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

    private void Drain()
    {
        while (_workCount > 0)
        {
            var work = _work[--_workCount];
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

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
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
                    $"HR2012: the [OnMigrated] hook {hook.DeclaringType?.FullName}.{hook.Name} threw {e.InnerException.GetType().Name}: {e.InnerException.Message}",
                    e.InnerException);
            }
            finally
            {
                source.Invalidate();
            }
        }
    }

    /// <summary>The plan for objects of exactly <paramref name="type"/>, made once per migration.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private TypePlan PlanFor(Type type)
    {
        if (!_plans.TryGetValue(type, out var plan))
        {
            plan = CreatePlan(type);
            _plans[type] = plan;
            _planList.Add(plan);
        }

        _lastType = type;
        _lastPlan = plan;
        return plan;
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private TypePlan CreatePlan(Type type)
    {
        if (typeof(Delegate).IsAssignableFrom(type))
        {
            return new DelegatePlan(type, Types);
        }

        if (!Types.Involves(type))
        {
            return HostPlan(type);
        }

        var mapped = Types.Map(type);
        if (mapped is null)
        {
            var reason = Types.WhyNot(type);
            return reason.Contains("in flight", StringComparison.Ordinal)
                ? new DropPlan(type, $"HR2014: {{count}} {Conversion.NameOf(type)} left out: {reason}; start it again from an [OnMigrated] or [OnGenerationLoaded] hook.")
                : new DropPlan(type, $"HR2013: {{count}} {Conversion.NameOf(type)} left out: {reason} (null in fields and arrays, removed from collections).");
        }

        if (GenerationTypeMap.IsGenerated(type) && type.Name == GeneratedNames.LambdaSingletonClass
            && mapped.GetField(GeneratedNames.LambdaSingletonField, DeclaredStatic)?.GetValue(null) is { } singleton)
        {
            return new SingletonPlan(singleton);
        }

        if (type.IsArray)
        {
            return new ArrayCopyPlan(type, mapped, _code);
        }

        if (CollectionShape.TryGet(type, out var fromShape) && CollectionShape.TryGet(mapped, out var toShape))
        {
            return new CollectionCopyPlan(fromShape, toShape, _code);
        }

        if (HostTypes.IsFramework(type) && !HostTypes.IsFieldWiseFramework(type))
        {
            return new DropPlan(type, $"HR2014: {{count}} {Conversion.NameOf(type)} left out: a framework object built on the library's types that migration cannot rebuild (a task, an enumerator); create it again after the swap.");
        }

        return type.IsValueType ? new BoxCopyPlan(type, mapped, _code) : new ClassCopyPlan(type, mapped, _code);
    }

    /// <summary>A host object: walked and updated in place when it can refer to the library, kept as is otherwise.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private TypePlan HostPlan(Type type)
    {
        if (HostTypes.RunsCode(type))
        {
            return new KeptRunningPlan(type);
        }

        if (!HostTypes.CanHold(type))
        {
            return KeepPlan.Instance;
        }

        if (type.IsArray)
        {
            return new UpdatePlan(new ArrayCopyPlan(type, type, _code), _code.ArrayScan(type.GetElementType()!), copyBack: null);
        }

        if (CollectionShape.TryGet(type, out var shape))
        {
            return new UpdatePlan(new CollectionCopyPlan(shape, shape, _code), _code.CollectionScan(shape), _code.CopyAll(type));
        }

        CopyPlan inner = type.IsValueType ? new BoxCopyPlan(type, type, _code) : new ClassCopyPlan(type, type, _code);
        return new UpdatePlan(inner, _code.ClassScan(type), _code.CopyAll(type));
    }

    /// <summary>The instance <see cref="OnMigratedAttribute"/> hook of a new type: <c>void M(MigrationSource)</c>.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    internal static MethodInfo? InstanceHookOf(Type type) => HookOf(type, DeclaredInstance);

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static MethodInfo? StaticHookOf(Type type) => HookOf(type, DeclaredStatic);

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static MethodInfo? HookOf(Type type, BindingFlags flags)
    {
        if (!RenamedFromAttribute.MayBeUsedIn(type.Assembly))
        {
            return null;
        }

        foreach (var method in type.GetMethods(flags))
        {
            if (!method.IsDefined(typeof(OnMigratedAttribute), inherit: false))
            {
                continue;
            }

            if (method.ReturnType != typeof(void) || method.GetParameters() is not [{ ParameterType: var parameter }] || parameter != typeof(MigrationSource)
                || method.ContainsGenericParameters)
            {
                throw new HotReloadException(
                    $"HR2012: the [OnMigrated] hook {type.FullName}.{method.Name} must be a void method with one MigrationSource parameter. Fix its signature and save again; the running generation stays.");
            }

            return method;
        }

        return null;
    }

    /// <summary>The report's counts and lines, once the migration is committed.</summary>
    internal MigrationReport Report(TimeSpan time)
    {
        var objects = 0;
        var types = 0;
        var problems = new List<string>(_code.Problems);
        foreach (var plan in _planList)
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

        var changes = _code.Changes.Concat(_notes).Distinct().ToList();
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

    /// <summary>Commits the host's updates and returns the report; the migrator (which refers to both generations) is let go.</summary>
    public MigrationReport Commit()
    {
        var clock = Stopwatch.StartNew();
        var migrator = _migrator ?? throw new InvalidOperationException("A migration is committed once.");
        _migrator = null;
        migrator.Commit();
        return migrator.Report(runTime + clock.Elapsed);
    }
}
