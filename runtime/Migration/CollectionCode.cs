using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;

namespace HotReload.Runtime;

/// <summary>
/// The generated code for the known collections (<see cref="CollectionShape"/>): a new one allocated with the old one's
/// size and comparer, filled by enumerating the old one and adding each converted element through the collection's own
/// method (a hashed or sorted one in two steps when its keys may change: converted now, added once every key is
/// complete), and a host collection scanned for references to the library.
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class CollectionCode(MigrationCode code)
{
    private const short MigratorOfFill = 2; // (object old, object new, StateMigrator m)

    /// <summary>
    /// <c>object Allocate(object old, StateMigrator m)</c>: an empty collection of the new type, as big as the old one, with
    /// the old comparer migrated (null, the default, when the old one was the default).
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Func<object, StateMigrator, object> Allocate(CollectionShape from, CollectionShape to)
    {
        var method = MigrationCode.NewMethod("Allocate " + to.Type.Name, typeof(object), [typeof(object), typeof(StateMigrator)]);
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
            var slot = code.Reference(from.ComparerType!, to.ComparerType, "the comparer of a " + Conversion.NameOf(to.Type));
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
    public Action<object, object, StateMigrator> Fill(CollectionShape from, CollectionShape to)
    {
        var method = MigrationCode.NewMethod("Fill " + to.Type.Name, typeof(void), [typeof(object), typeof(object), typeof(StateMigrator)]);
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
    public (Func<object, StateMigrator, Array> Convert, Action<object, Array> AddAll) Rehash(CollectionShape from, CollectionShape to)
    {
        var convert = MigrationCode.NewMethod("Convert " + to.Type.Name, typeof(Array), [typeof(object), typeof(StateMigrator)]);
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

        var addAll = MigrationCode.NewMethod("AddAll " + to.Type.Name, typeof(void), [typeof(object), typeof(Array)]);
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
        IlLoops.For(add, index, () => { add.Emit(OpCodes.Ldloc, items); add.Emit(OpCodes.Ldlen); add.Emit(OpCodes.Conv_I4); }, descending: false, () =>
        {
            add.Emit(OpCodes.Ldloc, items);
            add.Emit(OpCodes.Ldloc, index);
            add.Emit(OpCodes.Ldelem, to.ElementType);
            add.Emit(OpCodes.Stloc, element);
            EmitAdd(add, to, target, element);
        });
        add.Emit(OpCodes.Ret);

        return (convert.CreateDelegate<Func<object, StateMigrator, Array>>(), addAll.CreateDelegate<Action<object, Array>>());
    }

    /// <summary><c>object Comparer(object collection)</c>: the collection's comparer.</summary>
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Func<object, object?> Comparer(CollectionShape shape)
    {
        var method = MigrationCode.NewMethod("Comparer of " + shape.Type.Name, typeof(object), [typeof(object)]);
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
    public Func<object, StateMigrator, bool> Scan(CollectionShape shape)
    {
        var method = MigrationCode.NewMethod("Scan " + shape.Type.Name, typeof(bool), [typeof(object), typeof(StateMigrator)]);
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
            EmitEnumeration(il, shape, current => code.EmitScan(il, new LocalSlot(current), changed));
        }

        MigrationCode.EmitScanEnd(il, changed);
        return method.CreateDelegate<Func<object, StateMigrator, bool>>();
    }

    /// <summary>Enumerates argument 0 (a <paramref name="from"/> collection); for each element converted to <paramref name="to"/>'s, runs <paramref name="use"/>.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private void EmitConvertedElements(ILGenerator il, CollectionShape from, CollectionShape to, short migrator, Action<LocalBuilder> use)
    {
        var conversion = code.Classify(from.ElementType, to.ElementType, "an element of a " + Conversion.NameOf(to.Type));
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
            IlLoops.For(il, index, () => { il.Emit(OpCodes.Ldloc, items); il.Emit(OpCodes.Ldlen); il.Emit(OpCodes.Conv_I4); }, descending: true, () =>
            {
                il.Emit(OpCodes.Ldloc, items);
                il.Emit(OpCodes.Ldloc, index);
                il.Emit(OpCodes.Ldelem, shape.ElementType);
                il.Emit(OpCodes.Stloc, current);
                body(current);
            });
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
}
