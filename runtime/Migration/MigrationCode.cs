using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.InteropServices;

namespace HotReload.Runtime;

/// <summary>
/// Generates, once per migration and per pair of types, the code that copies an old object's state into its new
/// counterpart: IL in dynamic methods, so a million objects cost a field access each, not a reflection call. The code
/// refers to the old and the new generation at once; it is dropped with the migration, so neither generation is kept
/// alive by it (no generic method is ever instantiated over both, which would tie their lifetimes together).
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class MigrationCode(GenerationTypeMap types)
{
    private const short MigratorOfFill = 2;   // (object old, object new, StateMigrator m)
    private const BindingFlags AllInstance = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    private static readonly MethodInfo ArrayData = typeof(MemoryMarshal).GetMethod(nameof(MemoryMarshal.GetArrayDataReference), [typeof(Array)])!;
    private static readonly MethodInfo ArrayLength = typeof(Array).GetProperty(nameof(Array.Length))!.GetMethod!;

    private readonly Dictionary<(Type, Type), FieldPairing> _structPairs = [];
    private readonly Dictionary<Type, DynamicMethod> _structScans = [];
    private CollectionCode? _collections;

    public GenerationTypeMap Types { get; } = types;

    /// <summary>Target types of <see cref="ConversionKind.Reference"/> conversions, by slot: what a migrated value must be.</summary>
    public List<ReferenceSlot> ReferenceSlots { get; } = [];

    /// <summary>Enum tables of <see cref="ConversionKind.Enum"/> conversions, by slot.</summary>
    public List<EnumTable> EnumTables { get; } = [];

    /// <summary>The code of the known collections: built, filled, rehashed, scanned through their own methods.</summary>
    public CollectionCode Collections => _collections ??= new CollectionCode(this);

    /// <summary>Every shape change met while generating, for the swap's report.</summary>
    public List<string> Changes { get; } = [];

    public List<string> Problems { get; } = [];

    /// <summary>How a value of <paramref name="from"/> (an old field's type) becomes one of <paramref name="to"/> (the new field's).</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Conversion Classify(Type from, Type to, string where)
    {
        var mapped = Types.Map(from);
        if (mapped == to)
        {
            if (!from.IsValueType)
            {
                return Types.Involves(from) || HostTypes.FieldMayHold(from) ? Reference(from, to, where) : new Conversion(ConversionKind.Copy, from, to);
            }

            if (from.IsEnum)
            {
                return Types.Involves(from) ? EnumConversion(from, to) : new Conversion(ConversionKind.Copy, from, to);
            }

            return Types.Involves(from) || HostTypes.CanHold(from)
                ? new Conversion(ConversionKind.Struct, from, to) { Fields = StructPairs(from, to).Pairs }
                : new Conversion(ConversionKind.Copy, from, to);
        }

        if (!from.IsValueType && !to.IsValueType && !from.IsPointer && !to.IsPointer)
        {
            return Reference(from, to, where); // checked for each value: an Enemy field that became an object, or a Boss
        }

        if (from.IsEnum && to.IsEnum)
        {
            return EnumConversion(from, to);
        }

        if (Conversion.Widening(from, to) is { } widening)
        {
            return widening;
        }

        if (from.IsValueType && Nullable.GetUnderlyingType(from) is null && Nullable.GetUnderlyingType(to) is { } underlying
            && Classify(from, underlying, where) is { Kind: not ConversionKind.Reset } inner)
        {
            return new Conversion(ConversionKind.WrapNullable, from, to) { Inner = inner };
        }

        if (from.IsValueType && !to.IsValueType && mapped is not null && to.IsAssignableFrom(mapped)
            && Classify(from, mapped, where) is { Kind: not ConversionKind.Reset } boxed)
        {
            return new Conversion(ConversionKind.Box, from, to) { Inner = boxed };
        }

        return new Conversion(ConversionKind.Reset, from, to);
    }

    internal Conversion Reference(Type from, Type to, string where)
    {
        ReferenceSlots.Add(new ReferenceSlot(to, where));
        return new Conversion(ConversionKind.Reference, from, to) { Slot = ReferenceSlots.Count - 1 };
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private Conversion EnumConversion(Type from, Type to)
    {
        var table = EnumTable.Create(from, to);
        if (table.IsIdentity && Enum.GetUnderlyingType(from) == Enum.GetUnderlyingType(to))
        {
            return new Conversion(ConversionKind.Copy, from, to);
        }

        EnumTables.Add(table);
        return new Conversion(ConversionKind.Enum, from, to) { Slot = EnumTables.Count - 1 };
    }

    private FieldPairing Report(FieldPairing pairing)
    {
        foreach (var change in pairing.Changes)
        {
            if (!Changes.Contains(change))
            {
                Changes.Add(change);
            }
        }

        Problems.AddRange(pairing.Problems);
        return pairing;
    }

    /// <summary><c>void Fill(object old, object new, StateMigrator m)</c> for two classes: every paired field, converted.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Action<object, object, StateMigrator> ClassFill(Type from, Type to, out FieldPairing pairing)
    {
        pairing = Report(FieldPairing.Instance(this, from, to));
        var method = NewMethod("Fill " + to.Name, typeof(void), [typeof(object), typeof(object), typeof(StateMigrator)]);
        var il = method.GetILGenerator();
        var old = il.DeclareLocal(from);
        var @new = il.DeclareLocal(to);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Castclass, from);
        il.Emit(OpCodes.Stloc, old);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Castclass, to);
        il.Emit(OpCodes.Stloc, @new);
        foreach (var pair in pairing.Pairs)
        {
            pair.Conversion.Emit(il, new FieldSlot(g => g.Emit(OpCodes.Ldloc, old), pair.Old), new FieldSlot(g => g.Emit(OpCodes.Ldloc, @new), pair.New), MigratorOfFill);
        }

        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Action<object, object, StateMigrator>>();
    }

    /// <summary>The fields of two structs, paired once (a struct cannot contain itself, so this ends).</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private FieldPairing StructPairs(Type from, Type to)
    {
        if (!_structPairs.TryGetValue((from, to), out var pairing))
        {
            _structPairs[(from, to)] = pairing = Report(FieldPairing.Struct(this, from, to));
        }

        return pairing;
    }

    /// <summary><c>void Fill(object oldBox, object newBox, StateMigrator m)</c>: a boxed struct, in its new box.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Action<object, object, StateMigrator> BoxFill(Type from, Type to)
    {
        var conversion = Classify(from, to, Conversion.NameOf(to));
        var method = NewMethod("Fill boxed " + to.Name, typeof(void), [typeof(object), typeof(object), typeof(StateMigrator)]);
        var il = method.GetILGenerator();
        if (conversion.Kind == ConversionKind.Struct)
        {
            // The boxes' contents, addressed through unbox: the new box is the migration's own, so writing into it is safe.
            var oldValue = il.DeclareLocal(from.MakeByRefType());
            var newValue = il.DeclareLocal(to.MakeByRefType());
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Unbox, from);
            il.Emit(OpCodes.Stloc, oldValue);
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Unbox, to);
            il.Emit(OpCodes.Stloc, newValue);
            conversion.Emit(il, new PointerSlot(oldValue, from), new PointerSlot(newValue, to), MigratorOfFill);
        }
        else if (conversion.Kind != ConversionKind.Reset)
        {
            // An enum or a value that needs no fields converted: one value into the box.
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Unbox, to);
            var old = il.DeclareLocal(from);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Unbox_Any, from);
            il.Emit(OpCodes.Stloc, old);
            conversion.EmitValue(il, new LocalSlot(old), MigratorOfFill);
            il.Emit(OpCodes.Stobj, to);
        }

        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Action<object, object, StateMigrator>>();
    }

    /// <summary><c>void Fill(Array old, Array new, StateMigrator m)</c>: every element, whatever the rank.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Action<object, object, StateMigrator> ArrayFill(Type from, Type to)
    {
        var conversion = Classify(from, to, Conversion.NameOf(to) + "[]");
        var method = NewMethod("Fill " + to.Name + "[]", typeof(void), [typeof(object), typeof(object), typeof(StateMigrator)]);
        var il = method.GetILGenerator();
        EmitElementLoop(il, from, (old, _) =>
        {
            // The same index in the new array: the new element's address from the new array's data.
            var newElement = il.DeclareLocal(to.MakeByRefType());
            EmitElementAddress(il, g => g.Emit(OpCodes.Ldarg_1), to, old.Index);
            il.Emit(OpCodes.Stloc, newElement);
            conversion.Emit(il, new PointerSlot(old.Pointer, from), new PointerSlot(newElement, to), MigratorOfFill);
        });
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Action<object, object, StateMigrator>>();
    }

    /// <summary><c>bool Scan(object array, StateMigrator m)</c>: true when an element refers to the library.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Func<object, StateMigrator, bool> ArrayScan(Type element)
    {
        var method = NewMethod("Scan " + element.Name + "[]", typeof(bool), [typeof(object), typeof(StateMigrator)]);
        var il = method.GetILGenerator();
        var changed = il.DefineLabel();
        EmitElementLoop(il, element, (old, _) => EmitScan(il, new PointerSlot(old.Pointer, element), changed));
        EmitScanEnd(il, changed);
        return method.CreateDelegate<Func<object, StateMigrator, bool>>();
    }

    /// <summary><c>bool Scan(object o, StateMigrator m)</c> for a host class: true when a field refers to the library.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Func<object, StateMigrator, bool> ClassScan(Type type)
    {
        var method = NewMethod("Scan " + type.Name, typeof(bool), [typeof(object), typeof(StateMigrator)]);
        var il = method.GetILGenerator();
        var changed = il.DefineLabel();
        var self = il.DeclareLocal(type);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(type.IsValueType ? OpCodes.Unbox_Any : OpCodes.Castclass, type);
        il.Emit(OpCodes.Stloc, self);
        foreach (var field in AllFields(type))
        {
            EmitScan(il, new FieldSlot(g => g.Emit(type.IsValueType ? OpCodes.Ldloca : OpCodes.Ldloc, self), field), changed);
        }

        EmitScanEnd(il, changed);
        return method.CreateDelegate<Func<object, StateMigrator, bool>>();
    }

    /// <summary><c>bool Scan(ref T value, StateMigrator m)</c> for a host struct.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private DynamicMethod StructScan(Type type)
    {
        if (_structScans.TryGetValue(type, out var existing))
        {
            return existing;
        }

        var method = NewMethod("Scan " + type.Name, typeof(bool), [type.MakeByRefType(), typeof(StateMigrator)]);
        _structScans[type] = method;
        var il = method.GetILGenerator();
        var changed = il.DefineLabel();
        foreach (var field in AllFields(type))
        {
            EmitScan(il, new FieldSlot(g => g.Emit(OpCodes.Ldarg_0), field), changed, migrator: 1);
        }

        EmitScanEnd(il, changed);
        return method;
    }

    /// <summary>Branches to <paramref name="changed"/> when the value refers to the library (migration would change it).</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    internal void EmitScan(ILGenerator il, ValueSlot value, Label changed, short migrator = 1)
    {
        var type = value.Type;
        if (!HostTypes.FieldMayHold(type))
        {
            return;
        }

        if (type.IsValueType)
        {
            value.EmitAddress(il);
            il.Emit(OpCodes.Ldarg, migrator);
            il.Emit(OpCodes.Call, StructScan(type));
        }
        else
        {
            il.Emit(OpCodes.Ldarg, migrator);
            value.EmitLoad(il);
            il.Emit(OpCodes.Call, StateMigrator.ChangesMethod);
        }

        il.Emit(OpCodes.Brtrue, changed);
    }

    internal static void EmitScanEnd(ILGenerator il, Label changed)
    {
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Ret);
        il.MarkLabel(changed);
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(OpCodes.Ret);
    }

    /// <summary><c>void CopyAll(object from, object to)</c> for one type: every field, as is (a host object's update, committed).</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Action<object, object> CopyAll(Type type)
    {
        var method = NewMethod("Copy " + type.Name, typeof(void), [typeof(object), typeof(object)]);
        var il = method.GetILGenerator();
        if (type.IsValueType)
        {
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Unbox, type);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Unbox_Any, type);
            il.Emit(OpCodes.Stobj, type);
        }
        else
        {
            foreach (var field in AllFields(type))
            {
                il.Emit(OpCodes.Ldarg_1);
                il.Emit(OpCodes.Castclass, type);
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Castclass, type);
                il.Emit(OpCodes.Ldfld, field);
                il.Emit(OpCodes.Stfld, field);
            }
        }

        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Action<object, object>>();
    }

    /// <summary><c>void FillStatics(StateMigrator m)</c>: the old type's static fields into the new type's (which runs its static constructor first).</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Action<StateMigrator>? StaticsFill(Type from, Type to)
    {
        var pairing = Report(FieldPairing.Statics(this, from, to));
        if (pairing.Pairs.Count == 0)
        {
            return null;
        }

        var method = NewMethod("Statics " + to.Name, typeof(void), [typeof(StateMigrator)]);
        var il = method.GetILGenerator();
        foreach (var pair in pairing.Pairs)
        {
            pair.Conversion.Emit(il, new FieldSlot(null, pair.Old), new FieldSlot(null, pair.New), migrator: 0);
        }

        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Action<StateMigrator>>();
    }

    /// <summary>
    /// A loop over every element of argument 0 (an array of <paramref name="element"/>, any rank); <paramref name="body"/>
    /// gets a local holding a managed pointer to the element, and the index.
    /// </summary>
    private static void EmitElementLoop(ILGenerator il, Type element, Action<(LocalBuilder Pointer, LocalBuilder Index), ILGenerator> body)
    {
        var index = il.DeclareLocal(typeof(int));
        var length = il.DeclareLocal(typeof(int));
        var pointer = il.DeclareLocal(element.MakeByRefType());
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Castclass, typeof(Array));
        il.Emit(OpCodes.Callvirt, ArrayLength);
        il.Emit(OpCodes.Stloc, length);
        IlLoops.For(il, index, () => il.Emit(OpCodes.Ldloc, length), descending: false, () =>
        {
            EmitElementAddress(il, g => g.Emit(OpCodes.Ldarg_0), element, index);
            il.Emit(OpCodes.Stloc, pointer);
            body((pointer, index), il);
        });
    }

    /// <summary>Pushes the address of element <paramref name="index"/> of an array, counted over all its dimensions.</summary>
    private static void EmitElementAddress(ILGenerator il, Action<ILGenerator> array, Type element, LocalBuilder index)
    {
        array(il);
        il.Emit(OpCodes.Castclass, typeof(Array));
        il.Emit(OpCodes.Call, ArrayData);
        il.Emit(OpCodes.Ldloc, index);
        il.Emit(OpCodes.Conv_I);
        il.Emit(OpCodes.Sizeof, element);
        il.Emit(OpCodes.Mul);
        il.Emit(OpCodes.Add);
    }

    /// <summary>The instance fields of every level of <paramref name="type"/>.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static IEnumerable<FieldInfo> AllFields(Type type)
    {
        for (var level = type; level is not null && level != typeof(object) && level != typeof(ValueType); level = level.BaseType)
        {
            foreach (var field in level.GetFields(AllInstance))
            {
                yield return field;
            }
        }
    }

    /// <summary>A dynamic method that may use any member of any assembly, the old and new generations' private fields included.</summary>
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static DynamicMethod NewMethod(string name, Type returnType, Type[] parameters) =>
        new("HotReload " + name, returnType, parameters, restrictedSkipVisibility: true);
}
