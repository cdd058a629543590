using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace HotReload.Runtime;

/// <summary>What migration does with an object of one type; chosen once per type and migration (<see cref="StateMigrator"/>).</summary>
internal abstract class TypePlan
{
    /// <summary>
    /// The object's counterpart in the new generation: allocated, registered and queued for filling, or the object itself
    /// (a host object), or null (it cannot move). Never recursive: a deep graph is walked by the migrator's queue.
    /// </summary>
    public abstract object? Begin(object old, StateMigrator migrator);
}

/// <summary>A host object that can refer to nothing of the library: kept as is, not even registered.</summary>
internal sealed class KeepPlan : TypePlan
{
    public static readonly KeepPlan Instance = new();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override object? Begin(object old, StateMigrator migrator) => old;
}

/// <summary>
/// A framework object that runs code (a thread, a timer, a task): kept as is, since it cannot be moved, and named in the
/// swap's report, since it goes on running (and holding) the old generation's code until it ends.
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class KeptRunningPlan(Type type) : TypePlan
{
    public HashSet<string> Where { get; } = [];

    public string What => Conversion.NameOf(type);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override object? Begin(object old, StateMigrator migrator) => old;
}

/// <summary>An object that cannot move to the new code (its type is gone, an iterator in flight): left out, and counted.</summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class DropPlan(Type type, string problem) : TypePlan
{
    public int Count { get; private set; }

    public string Problem => problem.Replace("{count}", Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    public Type Type { get; } = type;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override object? Begin(object old, StateMigrator migrator)
    {
        Count++;
        migrator.Register(old, null);
        return null;
    }
}

/// <summary>The compiler's singleton for lambdas that capture nothing: its counterpart is the new generation's singleton.</summary>
internal sealed class SingletonPlan(object instance) : TypePlan
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override object? Begin(object old, StateMigrator migrator)
    {
        migrator.Register(old, instance);
        return instance;
    }
}

/// <summary>An object rebuilt in the new generation: allocated first, filled from the old one when the queue reaches it.</summary>
internal abstract class CopyPlan(Type from, Type to) : TypePlan
{
    public Type From { get; } = from;

    public Type To { get; } = to;

    /// <summary>Objects of this plan migrated so far.</summary>
    public int Count { get; set; }

    public abstract object Allocate(object old, StateMigrator migrator);

    /// <summary>Fills <paramref name="new"/> from <paramref name="old"/>; <paramref name="into"/>: an object the new code made (a static readonly field's).</summary>
    public abstract void Fill(object old, object @new, StateMigrator migrator, bool into);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override object? Begin(object old, StateMigrator migrator)
    {
        var created = Allocate(old, migrator);
        migrator.Register(old, created);
        migrator.Enqueue(old, created, this, into: false);
        Count++;
        return created;
    }
}

/// <summary>A class of the library: its fields, paired by name, and the initializers of the fields it gained.</summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class ClassCopyPlan : CopyPlan
{
    private readonly Action<object, object, StateMigrator> _fill;
    private readonly Action<object>? _initialize;
    private readonly FieldPairing _pairing;
    private readonly List<FieldInfo> _uninitialized;
    private readonly MethodInfo? _hook;
    private bool _described;

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public ClassCopyPlan(Type from, Type to, MigrationCode code) : base(from, to)
    {
        _fill = code.ClassFill(from, to, out _pairing);
        _uninitialized = [];
        // Added fields and fields whose value could not be converted both start at the new code's initializer.
        var initialized = _pairing.Added.Concat(_pairing.Pairs.Where(p => p.Conversion.Kind == ConversionKind.Reset).Select(p => p.New)).ToList();
        _initialize = FieldInitializers.TryBuild(to, initialized, _uninitialized);
        _hook = MigrationPlanner.InstanceHookOf(to);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override object Allocate(object old, StateMigrator migrator) => RuntimeHelpers.GetUninitializedObject(To);

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only live mode migrates.")]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Fill(object old, object @new, StateMigrator migrator, bool into)
    {
        _fill(old, @new, migrator);
        if (!into)
        {
            _initialize?.Invoke(@new); // an object the new code made (into) has its initializers' values already
        }

        if (!_described)
        {
            _described = true;
            Describe(@new, migrator, into);
        }

        if (_hook is not null)
        {
            migrator.QueueHook(_hook, old, @new);
        }
    }

    /// <summary>The fields this type gained, with the value the first object got: <c>Enemy.Armor new = 5</c>.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private void Describe(object first, StateMigrator migrator, bool into)
    {
        if (GenerationTypeMap.IsGenerated(To) || HostTypes.IsFramework(To))
        {
            return;
        }

        foreach (var field in _pairing.Added)
        {
            var where = $"{Conversion.NameOf(field.DeclaringType!)}.{FieldPairing.DisplayName(field)}";
            var value = DescribeValue(field.GetValue(first));
            migrator.Note(!into && _uninitialized.Contains(field)
                ? $"{where} new = {value} (its initializer needs a constructor's parameter)"
                : $"{where} new = {value}");
        }
    }

    private static string DescribeValue(object? value) => value switch
    {
        null => "null",
        string text => "\"" + text + "\"",
        bool flag => flag ? "true" : "false",
        IFormattable number when value.GetType().IsPrimitive || value is decimal || value.GetType().IsEnum => number.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => "a " + Conversion.NameOf(value.GetType()),
    };
}

/// <summary>A boxed struct of the library (in an <c>object</c> field): a new box, filled.</summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class BoxCopyPlan : CopyPlan
{
    private readonly Action<object, object, StateMigrator> _fill;

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public BoxCopyPlan(Type from, Type to, MigrationCode code) : base(from, to) => _fill = code.BoxFill(from, to);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override object Allocate(object old, StateMigrator migrator) => RuntimeHelpers.GetUninitializedObject(To);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Fill(object old, object @new, StateMigrator migrator, bool into) => _fill(old, @new, migrator);
}

/// <summary>An array (any rank, jagged ones as arrays of arrays): same lengths and bounds, every element converted.</summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class ArrayCopyPlan : CopyPlan
{
    private readonly Action<object, object, StateMigrator> _fill;

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public ArrayCopyPlan(Type from, Type to, MigrationCode code) : base(from, to) =>
        _fill = code.ArrayFill(from.GetElementType()!, to.GetElementType()!);

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only live mode migrates.")]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override object Allocate(object old, StateMigrator migrator)
    {
        var array = (Array)old;
        var element = To.GetElementType()!;
        if (To.IsSZArray)
        {
            return Array.CreateInstance(element, array.Length);
        }

        var lengths = new int[array.Rank];
        var bounds = new int[array.Rank];
        for (var d = 0; d < array.Rank; d++)
        {
            lengths[d] = array.GetLength(d);
            bounds[d] = array.GetLowerBound(d);
        }

        return Array.CreateInstance(element, lengths, bounds);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Fill(object old, object @new, StateMigrator migrator, bool into) => _fill(old, @new, migrator);

    /// <summary>An array the new code made fits the old contents only with the same lengths.</summary>
    public static bool SameShape(Array a, Array b)
    {
        if (a.Rank != b.Rank)
        {
            return false;
        }

        for (var d = 0; d < a.Rank; d++)
        {
            if (a.GetLength(d) != b.GetLength(d))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A known collection (<see cref="CollectionShape"/>): a new one, with the old comparer migrated, refilled through its methods.</summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class CollectionCopyPlan : CopyPlan
{
    private readonly Func<object, StateMigrator, object> _allocate;
    private readonly Action<object, object, StateMigrator> _fill;
    private readonly Func<object, StateMigrator, Array>? _convert;
    private readonly Action<object, Array>? _addAll;
    private readonly Func<object, object?>? _comparerOf;
    private readonly bool _keysMayChange;

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public CollectionCopyPlan(CollectionShape from, CollectionShape to, MigrationCode code) : base(from.Type, to.Type)
    {
        _allocate = code.Collections.Allocate(from, to);
        _fill = code.Collections.Fill(from, to);
        if (to.Rehashes)
        {
            // Keys that are strings, numbers or other host values hash and compare the same before and after: such a
            // collection is filled at once, unless its comparer is the library's (not filled yet when it would run).
            var key = from.ElementTypes[0];
            _keysMayChange = code.Types.Involves(key) || HostTypes.FieldMayHold(key);
            _comparerOf = code.Collections.Comparer(from);
            (_convert, _addAll) = code.Collections.Rehash(from, to);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override object Allocate(object old, StateMigrator migrator) => _allocate(old, migrator);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Fill(object old, object @new, StateMigrator migrator, bool into)
    {
        if (_convert is null || (!_keysMayChange && !ComparesWithTheLibrarysCode(old, migrator)))
        {
            _fill(old, @new, migrator);
            return;
        }

        // Hashed or sorted on keys that may be objects not filled yet: add them once everything is.
        migrator.QueueRehash(@new, _convert(old, migrator), _addAll!);
    }

    private bool ComparesWithTheLibrarysCode(object old, StateMigrator migrator) =>
        _comparerOf!(old) is { } comparer && migrator.Types.Involves(comparer.GetType());
}

/// <summary>
/// A host object that may refer to the library (a tracked root, a host collection of the library's objects): it keeps
/// its identity. When any of its references changes, a copy of it is filled with the migrated references, and the swap
/// commits that copy into the object itself, only once the whole migration has succeeded.
/// </summary>
internal sealed class UpdatePlan(CopyPlan sameType, Func<object, StateMigrator, bool> scan, Action<object, object>? copyBack) : TypePlan
{
    public CopyPlan Inner { get; } = sameType;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override object? Begin(object old, StateMigrator migrator)
    {
        migrator.Register(old, old);
        migrator.Enqueue(old, null, this, into: false);
        return old;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Update(object old, StateMigrator migrator)
    {
        if (!scan(old, migrator))
        {
            return;
        }

        var updated = Inner.Allocate(old, migrator);
        Inner.Fill(old, updated, migrator, into: false);
        migrator.QueueCommit(old, updated, copyBack);
    }
}
