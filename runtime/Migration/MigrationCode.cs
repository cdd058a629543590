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

    public GenerationTypeMap Types { get; } = types;

    /// <summary>Target types of <see cref="ConversionKind.Reference"/> conversions, by slot: what a migrated value must be.</summary>
    public List<ReferenceSlot> ReferenceSlots { get; } = [];

    /// <summary>Enum tables of <see cref="ConversionKind.Enum"/> conversions, by slot.</summary>
    public List<EnumTable> EnumTables { get; } = [];

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

    private Conversion Reference(Type from, Type to, string where)
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
    private void EmitScan(ILGenerator il, ValueSlot value, Label changed, short migrator = 1)
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

    private static void EmitScanEnd(ILGenerator il, Label changed)
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
    /// <c>object Allocate(object old, StateMigrator m)</c>: an empty collection of the new type, as big as the old one, with
    /// the old comparer migrated (null, the default, when the old one was the default).
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Func<object, StateMigrator, object> CollectionAllocate(CollectionShape from, CollectionShape to)
    {
        var method = NewMethod("Allocate " + to.Type.Name, typeof(object), [typeof(object), typeof(StateMigrator)]);
        var il = method.GetILGenerator();
        var old = il.DeclareLocal(from.Type);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Castclass, from.Type);
        il.Emit(OpCodes.Stloc, old);
        if (to.ConstructorTakesCapacity)
        {
            il.Emit(OpCodes.Ldloc, old);
            il.Emit(OpCodes.Callvirt, from.Count);
        }

        if (to.ComparerType is not null)
        {
            var comparer = il.DeclareLocal(from.ComparerType!);
            var isDefault = il.DefineLabel();
            var done = il.DefineLabel();
            il.Emit(OpCodes.Ldloc, old);
            il.Emit(OpCodes.Callvirt, from.GetComparer!);
            il.Emit(OpCodes.Stloc, comparer);
            il.Emit(OpCodes.Ldloc, comparer);
            il.Emit(OpCodes.Call, from.DefaultComparer!);
            il.Emit(OpCodes.Beq, isDefault);
            var slot = Reference(from.ComparerType!, to.ComparerType, "the comparer of a " + Conversion.NameOf(to.Type));
            slot.EmitValue(il, new LocalSlot(comparer), migrator: 1);
            il.Emit(OpCodes.Br, done);
            il.MarkLabel(isDefault);
            il.Emit(OpCodes.Ldnull);
            il.MarkLabel(done);
        }

        il.Emit(OpCodes.Newobj, to.Constructor);
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Func<object, StateMigrator, object>>();
    }

    /// <summary>
    /// <c>void Fill(object old, object new, StateMigrator m)</c>: every element of the old collection, converted, added to
    /// the new one (which is cleared first: a static readonly collection of the new code may hold its initial elements).
    /// An element whose object could not be migrated (its type is gone) is left out.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Action<object, object, StateMigrator> CollectionFill(CollectionShape from, CollectionShape to)
    {
        var method = NewMethod("Fill " + to.Type.Name, typeof(void), [typeof(object), typeof(object), typeof(StateMigrator)]);
        var il = method.GetILGenerator();
        var target = il.DeclareLocal(to.Type);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Castclass, to.Type);
        il.Emit(OpCodes.Stloc, target);
        il.Emit(OpCodes.Ldloc, target);
        il.Emit(OpCodes.Callvirt, to.Clear);
        EmitConvertedElements(il, from, to, MigratorOfFill, converted => EmitAdd(il, to, target, converted));
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Action<object, object, StateMigrator>>();
    }

    /// <summary>
    /// For a hashed or sorted collection, in two steps: <c>Array Convert(object old, StateMigrator m)</c> now (every
    /// element converted, none hashed yet), then <c>void AddAll(object new, Array elements)</c> once every key is complete.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public (Func<object, StateMigrator, Array> Convert, Action<object, Array> AddAll) CollectionRehash(CollectionShape from, CollectionShape to)
    {
        var convert = NewMethod("Convert " + to.Type.Name, typeof(Array), [typeof(object), typeof(StateMigrator)]);
        var il = convert.GetILGenerator();
        var elements = il.DeclareLocal(to.ElementType.MakeArrayType());
        var count = il.DeclareLocal(typeof(int));
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Castclass, from.Type);
        il.Emit(OpCodes.Callvirt, from.Count);
        il.Emit(OpCodes.Newarr, to.ElementType);
        il.Emit(OpCodes.Stloc, elements);
        EmitConvertedElements(il, from, to, migrator: 1, converted =>
        {
            il.Emit(OpCodes.Ldloc, elements);
            il.Emit(OpCodes.Ldloc, count);
            il.Emit(OpCodes.Ldloc, converted);
            il.Emit(OpCodes.Stelem, to.ElementType);
            il.Emit(OpCodes.Ldloc, count);
            il.Emit(OpCodes.Ldc_I4_1);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Stloc, count);
        });

        // Left-out elements leave a shorter list: trim it, so AddAll sees only what was converted.
        var full = il.DefineLabel();
        il.Emit(OpCodes.Ldloc, count);
        il.Emit(OpCodes.Ldloc, elements);
        il.Emit(OpCodes.Ldlen);
        il.Emit(OpCodes.Conv_I4);
        il.Emit(OpCodes.Beq, full);
        il.Emit(OpCodes.Ldloca, elements);
        il.Emit(OpCodes.Ldloc, count);
        il.Emit(OpCodes.Call, typeof(Array).GetMethod(nameof(Array.Resize))!.MakeGenericMethod(to.ElementType));
        il.MarkLabel(full);
        il.Emit(OpCodes.Ldloc, elements);
        il.Emit(OpCodes.Ret);

        var addAll = NewMethod("AddAll " + to.Type.Name, typeof(void), [typeof(object), typeof(Array)]);
        var add = addAll.GetILGenerator();
        var target = add.DeclareLocal(to.Type);
        var items = add.DeclareLocal(to.ElementType.MakeArrayType());
        var index = add.DeclareLocal(typeof(int));
        var element = add.DeclareLocal(to.ElementType);
        add.Emit(OpCodes.Ldarg_0);
        add.Emit(OpCodes.Castclass, to.Type);
        add.Emit(OpCodes.Stloc, target);
        add.Emit(OpCodes.Ldloc, target);
        add.Emit(OpCodes.Callvirt, to.Clear);
        add.Emit(OpCodes.Ldarg_1);
        add.Emit(OpCodes.Castclass, to.ElementType.MakeArrayType());
        add.Emit(OpCodes.Stloc, items);
        var condition = add.DefineLabel();
        var body = add.DefineLabel();
        add.Emit(OpCodes.Br, condition);
        add.MarkLabel(body);
        add.Emit(OpCodes.Ldloc, items);
        add.Emit(OpCodes.Ldloc, index);
        add.Emit(OpCodes.Ldelem, to.ElementType);
        add.Emit(OpCodes.Stloc, element);
        EmitAdd(add, to, target, element);
        add.Emit(OpCodes.Ldloc, index);
        add.Emit(OpCodes.Ldc_I4_1);
        add.Emit(OpCodes.Add);
        add.Emit(OpCodes.Stloc, index);
        add.MarkLabel(condition);
        add.Emit(OpCodes.Ldloc, index);
        add.Emit(OpCodes.Ldloc, items);
        add.Emit(OpCodes.Ldlen);
        add.Emit(OpCodes.Conv_I4);
        add.Emit(OpCodes.Blt, body);
        add.Emit(OpCodes.Ret);

        return (convert.CreateDelegate<Func<object, StateMigrator, Array>>(), addAll.CreateDelegate<Action<object, Array>>());
    }

    /// <summary><c>object Comparer(object collection)</c>: the collection's comparer.</summary>
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Func<object, object?> CollectionComparer(CollectionShape shape)
    {
        var method = NewMethod("Comparer of " + shape.Type.Name, typeof(object), [typeof(object)]);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Castclass, shape.Type);
        il.Emit(OpCodes.Callvirt, shape.GetComparer!);
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Func<object, object?>>();
    }

    /// <summary><c>bool Scan(object collection, StateMigrator m)</c> for a host collection: its comparer, then its elements.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Func<object, StateMigrator, bool> CollectionScan(CollectionShape shape)
    {
        var method = NewMethod("Scan " + shape.Type.Name, typeof(bool), [typeof(object), typeof(StateMigrator)]);
        var il = method.GetILGenerator();
        var changed = il.DefineLabel();
        if (shape.GetComparer is not null)
        {
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Castclass, shape.Type);
            il.Emit(OpCodes.Callvirt, shape.GetComparer);
            il.Emit(OpCodes.Call, StateMigrator.ChangesMethod);
            il.Emit(OpCodes.Brtrue, changed);
        }

        if (shape.ElementTypes.Any(HostTypes.FieldMayHold))
        {
            EmitEnumeration(il, shape, current => EmitScan(il, new LocalSlot(current), changed));
        }

        EmitScanEnd(il, changed);
        return method.CreateDelegate<Func<object, StateMigrator, bool>>();
    }

    /// <summary>Enumerates argument 0 (a <paramref name="from"/> collection); for each element converted to <paramref name="to"/>'s, runs <paramref name="use"/>.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private void EmitConvertedElements(ILGenerator il, CollectionShape from, CollectionShape to, short migrator, Action<LocalBuilder> use)
    {
        var conversion = Classify(from.ElementType, to.ElementType, "an element of a " + Conversion.NameOf(to.Type));
        var converted = il.DeclareLocal(to.ElementType);
        EmitEnumeration(il, from, current =>
        {
            var skip = il.DefineLabel();
            if (to.ElementType.IsValueType)
            {
                il.Emit(OpCodes.Ldloca, converted);
                il.Emit(OpCodes.Initobj, to.ElementType);
            }

            conversion.Emit(il, new LocalSlot(current), new LocalSlot(converted), migrator);
            if (from.IsKeyed)
            {
                EmitLeftOut(il, current, converted, from.ElementType.GetProperty("Key")!.GetMethod!, to.ElementType.GetProperty("Key")!.GetMethod!, skip);
                EmitLeftOut(il, current, converted, from.ElementType.GetProperty("Value")!.GetMethod!, to.ElementType.GetProperty("Value")!.GetMethod!, skip);
            }
            else
            {
                EmitLeftOut(il, current, converted, null, null, skip);
            }

            use(converted);
            il.MarkLabel(skip);
        });
    }

    /// <summary>Branches to <paramref name="skip"/> when a reference was there in the old element but migrated to nothing.</summary>
    private static void EmitLeftOut(ILGenerator il, LocalBuilder old, LocalBuilder converted, MethodInfo? oldPart, MethodInfo? newPart, Label skip)
    {
        var oldType = oldPart?.ReturnType ?? old.LocalType;
        if (oldType.IsValueType)
        {
            return;
        }

        var kept = il.DefineLabel();
        EmitPart(il, converted, newPart);
        il.Emit(OpCodes.Brtrue, kept);
        EmitPart(il, old, oldPart);
        il.Emit(OpCodes.Brtrue, skip);
        il.MarkLabel(kept);

        static void EmitPart(ILGenerator il, LocalBuilder local, MethodInfo? part)
        {
            if (part is null)
            {
                il.Emit(OpCodes.Ldloc, local);
                return;
            }

            il.Emit(OpCodes.Ldloca, local);
            il.Emit(OpCodes.Call, part);
        }
    }

    /// <summary>Enumerates argument 0 as <paramref name="shape"/>; a stack from its bottom, so pushing rebuilds it in order.</summary>
    private static void EmitEnumeration(ILGenerator il, CollectionShape shape, Action<LocalBuilder> body)
    {
        var current = il.DeclareLocal(shape.ElementType);
        if (shape.IsReversed)
        {
            var items = il.DeclareLocal(shape.ElementType.MakeArrayType());
            var index = il.DeclareLocal(typeof(int));
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Castclass, shape.Type);
            il.Emit(OpCodes.Callvirt, shape.ToArray!);
            il.Emit(OpCodes.Stloc, items);
            il.Emit(OpCodes.Ldloc, items);
            il.Emit(OpCodes.Ldlen);
            il.Emit(OpCodes.Conv_I4);
            il.Emit(OpCodes.Stloc, index);
            var condition = il.DefineLabel();
            var loop = il.DefineLabel();
            il.Emit(OpCodes.Br, condition);
            il.MarkLabel(loop);
            il.Emit(OpCodes.Ldloc, items);
            il.Emit(OpCodes.Ldloc, index);
            il.Emit(OpCodes.Ldelem, shape.ElementType);
            il.Emit(OpCodes.Stloc, current);
            body(current);
            il.MarkLabel(condition);
            il.Emit(OpCodes.Ldloc, index);
            il.Emit(OpCodes.Ldc_I4_1);
            il.Emit(OpCodes.Sub);
            il.Emit(OpCodes.Dup);
            il.Emit(OpCodes.Stloc, index);
            il.Emit(OpCodes.Ldc_I4_0);
            il.Emit(OpCodes.Bge, loop);
            return;
        }

        var enumeratorType = shape.GetEnumerator.ReturnType;
        var enumerator = il.DeclareLocal(enumeratorType);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Castclass, shape.Type);
        il.Emit(OpCodes.Callvirt, shape.GetEnumerator);
        il.Emit(OpCodes.Stloc, enumerator);
        var next = il.DefineLabel();
        var end = il.DefineLabel();
        il.MarkLabel(next);
        il.Emit(enumeratorType.IsValueType ? OpCodes.Ldloca : OpCodes.Ldloc, enumerator);
        il.Emit(enumeratorType.IsValueType ? OpCodes.Call : OpCodes.Callvirt, shape.MoveNext);
        il.Emit(OpCodes.Brfalse, end);
        il.Emit(enumeratorType.IsValueType ? OpCodes.Ldloca : OpCodes.Ldloc, enumerator);
        il.Emit(enumeratorType.IsValueType ? OpCodes.Call : OpCodes.Callvirt, shape.Current);
        il.Emit(OpCodes.Stloc, current);
        body(current);
        il.Emit(OpCodes.Br, next);
        il.MarkLabel(end);
    }

    /// <summary>Adds <paramref name="element"/> to <paramref name="target"/>; a dictionary's key already there is left out.</summary>
    private static void EmitAdd(ILGenerator il, CollectionShape to, LocalBuilder target, LocalBuilder element)
    {
        var done = il.DefineLabel();
        if (to.ContainsKey is not null)
        {
            il.Emit(OpCodes.Ldloc, target);
            il.Emit(OpCodes.Ldloca, element);
            il.Emit(OpCodes.Call, to.ElementType.GetProperty("Key")!.GetMethod!);
            il.Emit(OpCodes.Callvirt, to.ContainsKey);
            il.Emit(OpCodes.Brtrue, done);
        }

        il.Emit(OpCodes.Ldloc, target);
        if (to.IsKeyed)
        {
            il.Emit(OpCodes.Ldloca, element);
            il.Emit(OpCodes.Call, to.ElementType.GetProperty("Key")!.GetMethod!);
            il.Emit(OpCodes.Ldloca, element);
            il.Emit(OpCodes.Call, to.ElementType.GetProperty("Value")!.GetMethod!);
        }
        else
        {
            il.Emit(OpCodes.Ldloc, element);
        }

        il.Emit(OpCodes.Callvirt, to.Add);
        if (to.Add.ReturnType != typeof(void))
        {
            il.Emit(OpCodes.Pop);
        }

        il.MarkLabel(done);
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
        var condition = il.DefineLabel();
        var loop = il.DefineLabel();
        il.Emit(OpCodes.Br, condition);
        il.MarkLabel(loop);
        EmitElementAddress(il, g => g.Emit(OpCodes.Ldarg_0), element, index);
        il.Emit(OpCodes.Stloc, pointer);
        body((pointer, index), il);
        il.Emit(OpCodes.Ldloc, index);
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(OpCodes.Add);
        il.Emit(OpCodes.Stloc, index);
        il.MarkLabel(condition);
        il.Emit(OpCodes.Ldloc, index);
        il.Emit(OpCodes.Ldloc, length);
        il.Emit(OpCodes.Blt, loop);
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

/// <summary>The type a migrated reference must have where it is stored, and where that is, for a message.</summary>
internal sealed class ReferenceSlot(Type target, string where)
{
    private Type? _lastAccepted;

    public Type Target { get; } = target;

    public string Where { get; } = where;

    /// <summary>How many values could not be stored there.</summary>
    public int Rejected { get; set; }

    /// <summary>The type of the last value met here, and its plan: a field mostly holds one type.</summary>
    public Type? LastType { get; set; }

    public TypePlan? LastPlan { get; set; }

    public bool Accepts(Type type)
    {
        if (type == _lastAccepted)
        {
            return true;
        }

        if (!Target.IsAssignableFrom(type))
        {
            return false;
        }

        _lastAccepted = type;
        return true;
    }
}
