using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace HotReload.Runtime;

/// <summary>
/// Everything about one migration that depends only on the two generations' types: which type becomes which, the
/// generated code of each pair (<see cref="TypePlan"/>), the static fields to carry. None of it runs the library's code,
/// so most of it is made off the host's thread while the new copy loads (<see cref="PlanAhead"/>), and the swap itself
/// only walks the objects. A planner serves one migration: its plans count what they migrated.
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class MigrationPlanner
{
    private const BindingFlags DeclaredStatic = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
    private const BindingFlags DeclaredInstance = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly;
    private const int MostTypesPlannedAhead = 512;

    private readonly Dictionary<Type, TypePlan> _plans = [];
    private readonly List<TypePlan> _planList = [];
    private List<StaticPlan>? _statics;

    public MigrationPlanner(Assembly from, Assembly to, int fromGeneration, int toGeneration)
    {
        Types = new GenerationTypeMap(from, to);
        Code = new MigrationCode(Types);
        FromGeneration = fromGeneration;
        ToGeneration = toGeneration;
    }

    public GenerationTypeMap Types { get; }

    public MigrationCode Code { get; }

    public int FromGeneration { get; }

    public int ToGeneration { get; }

    /// <summary>Every plan made, in order.</summary>
    public IReadOnlyList<TypePlan> Plans => _planList;

    /// <summary>Types of the old generation that are gone, with static state: noted in the report.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>
    /// One old type with static state and its counterpart: the code that carries its fields, its static hook, and its
    /// static readonly fields of state that the new type has too (old, new), whose objects the migration fills in place.
    /// </summary>
    public sealed record StaticPlan(Type From, Type To, Action<StateMigrator>? Fill, MethodInfo? Hook, IReadOnlyList<(FieldInfo Old, FieldInfo New)> Readonly);

    /// <summary>The old generation's types with static state, each with its counterpart and code.</summary>
    public IReadOnlyList<StaticPlan> Statics => _statics ??= PlanStatics();

    /// <summary>
    /// Makes the plans a migration is likely to need, ahead of it: the static fields, and the types of
    /// <paramref name="likely"/> (what the last migration met) and of the types the static fields declare, field by
    /// field. A type that cannot be planned now is planned (and its problem reported) by the migration itself.
    /// </summary>
    public void PlanAhead(IEnumerable<Type> likely)
    {
        _ = Statics;
        foreach (var type in likely.Concat(DeclaredStateTypes()).Distinct().Take(MostTypesPlannedAhead))
        {
            if (type.IsAbstract || type.IsInterface || type.ContainsGenericParameters || type.IsPointer || type.IsByRef)
            {
                continue;
            }

            try
            {
                PlanFor(type);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The migration meets it again, on the host's thread, and reports it there.
                _plans.Remove(type);
            }
        }
    }

    /// <summary>The plan for objects of exactly <paramref name="type"/>, made once.</summary>
    public TypePlan PlanFor(Type type)
    {
        if (!_plans.TryGetValue(type, out var plan))
        {
            plan = CreatePlan(type);
            _plans[type] = plan;
            _planList.Add(plan);
        }

        return plan;
    }

    /// <summary>The new generation's types this migration produced objects of: what the next migration is likely to meet.</summary>
    public List<Type> MigratedTypes() =>
        _planList.OfType<CopyPlan>().Where(p => p.Count > 0).Select(p => p.To)
            .Concat(_planList.OfType<UpdatePlan>().Select(p => p.Inner.To))
            .Distinct().ToList();

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
            return new ArrayCopyPlan(type, mapped, Code);
        }

        if (CollectionShape.TryGet(type, out var fromShape) && CollectionShape.TryGet(mapped, out var toShape))
        {
            return new CollectionCopyPlan(fromShape, toShape, Code);
        }

        if (HostTypes.IsFramework(type) && !HostTypes.IsFieldWiseFramework(type))
        {
            return new DropPlan(type, $"HR2014: {{count}} {Conversion.NameOf(type)} left out: a framework object built on the library's types that migration cannot rebuild (a task, an enumerator); create it again after the swap.");
        }

        return type.IsValueType ? new BoxCopyPlan(type, mapped, Code) : new ClassCopyPlan(type, mapped, Code);
    }

    /// <summary>A host object: walked and updated in place when it can refer to the library, kept as is otherwise.</summary>
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
            return new UpdatePlan(new ArrayCopyPlan(type, type, Code), Code.ArrayScan(type.GetElementType()!), copyBack: null);
        }

        if (CollectionShape.TryGet(type, out var shape))
        {
            return new UpdatePlan(new CollectionCopyPlan(shape, shape, Code), Code.Collections.Scan(shape), Code.CopyAll(type));
        }

        CopyPlan inner = type.IsValueType ? new BoxCopyPlan(type, type, Code) : new ClassCopyPlan(type, type, Code);
        return new UpdatePlan(inner, Code.ClassScan(type), Code.CopyAll(type));
    }

    private List<StaticPlan> PlanStatics()
    {
        var result = new List<StaticPlan>();
        foreach (var type in GenerationTypeMap.LoadableTypes(Types.From))
        {
            if (type.ContainsGenericParameters || GenerationTypeMap.IsGenerated(type) || type.IsEnum
                || !type.GetFields(DeclaredStatic).Any(FieldPairing.IsState))
            {
                continue; // statics of generic types, closures' caches, enum members: nothing to carry
            }

            if (Types.Map(type) is { } mapped)
            {
                result.Add(new StaticPlan(type, mapped, Code.StaticsFill(type, mapped), StaticHookOf(mapped), ReadonlyPairs(type, mapped)));
            }
            else
            {
                Notes.Add($"{Conversion.NameOf(type)} removed");
            }
        }

        return result;
    }

    /// <summary>
    /// The static readonly fields of state both types have. The new type's static constructor, which the migration runs
    /// to read them, is compiled here, ahead (not run: only the swap decides that the new code runs).
    /// </summary>
    private static List<(FieldInfo Old, FieldInfo New)> ReadonlyPairs(Type from, Type to)
    {
        var pairs = new List<(FieldInfo, FieldInfo)>();
        foreach (var field in to.GetFields(DeclaredStatic))
        {
            if (field.IsInitOnly && !field.IsLiteral && from.GetField(field.Name, DeclaredStatic) is { } old && FieldPairing.IsState(old))
            {
                pairs.Add((old, field));
            }
        }

        if (pairs.Count > 0 && to.TypeInitializer is { } initializer)
        {
            try
            {
                RuntimeHelpers.PrepareMethod(initializer.MethodHandle);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Compiled when it runs, then.
            }
        }

        return pairs;
    }

    /// <summary>
    /// The old generation's types that its static fields declare, and the types their fields declare in turn (the
    /// element types of collections and arrays included): the objects a migration most likely meets.
    /// </summary>
    private IEnumerable<Type> DeclaredStateTypes()
    {
        var seen = new HashSet<Type>();
        var queue = new Queue<Type>(Statics.SelectMany(s => s.From.GetFields(DeclaredStatic)).Where(FieldPairing.IsState).Select(f => f.FieldType));
        while (queue.Count > 0 && seen.Count < MostTypesPlannedAhead)
        {
            var type = queue.Dequeue();
            if (!Types.Involves(type) || !seen.Add(type))
            {
                continue;
            }

            yield return type;
            var parts = type.HasElementType ? [type.GetElementType()!]
                : type.IsConstructedGenericType ? type.GetGenericArguments()
                : Types.Involves(type) && !type.IsInterface
                    ? MigrationCode.AllFields(type).Select(f => f.FieldType).ToArray()
                    : [];
            foreach (var part in parts)
            {
                queue.Enqueue(part);
            }
        }
    }

    /// <summary>The instance <see cref="OnMigratedAttribute"/> hook of a new type: <c>void M(MigrationSource)</c>.</summary>
    internal static MethodInfo? InstanceHookOf(Type type) => HookOf(type, DeclaredInstance);

    private static MethodInfo? StaticHookOf(Type type) => HookOf(type, DeclaredStatic);

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
}
