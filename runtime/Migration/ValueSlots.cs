using System.Reflection;
using System.Reflection.Emit;

namespace HotReload.Runtime;

/// <summary>A place generated code reads a value from or writes one to: a field, an array element, a local.</summary>
internal abstract class ValueSlot(Type type)
{
    public Type Type { get; } = type;

    /// <summary>Pushes the value.</summary>
    public abstract void EmitLoad(ILGenerator il);

    /// <summary>Pushes a managed pointer to it.</summary>
    public abstract void EmitAddress(ILGenerator il);

    /// <summary>Pushes what a store needs before the value (the owning object, the pointer).</summary>
    public abstract void EmitStorePrefix(ILGenerator il);

    /// <summary>Stores the value on the stack, after <see cref="EmitStorePrefix"/>.</summary>
    public abstract void EmitStore(ILGenerator il);
}

/// <summary>A field of an object or struct whose reference or pointer <paramref name="owner"/> pushes; a static field when it is null.</summary>
internal sealed class FieldSlot(Action<ILGenerator>? owner, FieldInfo field) : ValueSlot(field.FieldType)
{
    public override void EmitLoad(ILGenerator il)
    {
        if (field.IsStatic)
        {
            il.Emit(OpCodes.Ldsfld, field);
            return;
        }

        owner!(il);
        il.Emit(OpCodes.Ldfld, field);
    }

    public override void EmitAddress(ILGenerator il)
    {
        if (field.IsStatic)
        {
            il.Emit(OpCodes.Ldsflda, field);
            return;
        }

        owner!(il);
        il.Emit(OpCodes.Ldflda, field);
    }

    public override void EmitStorePrefix(ILGenerator il) => owner?.Invoke(il);

    public override void EmitStore(ILGenerator il) => il.Emit(field.IsStatic ? OpCodes.Stsfld : OpCodes.Stfld, field);
}

/// <summary>The value a managed pointer in a local points to (an array element).</summary>
internal sealed class PointerSlot(LocalBuilder pointer, Type type) : ValueSlot(type)
{
    public override void EmitLoad(ILGenerator il)
    {
        il.Emit(OpCodes.Ldloc, pointer);
        il.Emit(OpCodes.Ldobj, Type);
    }

    public override void EmitAddress(ILGenerator il) => il.Emit(OpCodes.Ldloc, pointer);

    public override void EmitStorePrefix(ILGenerator il) => il.Emit(OpCodes.Ldloc, pointer);

    public override void EmitStore(ILGenerator il) => il.Emit(OpCodes.Stobj, Type);
}

/// <summary>A local variable.</summary>
internal sealed class LocalSlot(LocalBuilder local) : ValueSlot(local.LocalType)
{
    public override void EmitLoad(ILGenerator il) => il.Emit(OpCodes.Ldloc, local);

    public override void EmitAddress(ILGenerator il) => il.Emit(OpCodes.Ldloca, local);

    public override void EmitStorePrefix(ILGenerator il)
    {
    }

    public override void EmitStore(ILGenerator il) => il.Emit(OpCodes.Stloc, local);
}
