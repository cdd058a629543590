using System.Reflection.Emit;

namespace HotReload.Runtime;

/// <summary>Loops in generated IL.</summary>
internal static class IlLoops
{
    /// <summary>
    /// <c>for (index = 0; index &lt; count; index++) body</c>, or with <paramref name="descending"/>
    /// <c>for (index = count - 1; index &gt;= 0; index--) body</c>; <paramref name="count"/> pushes the count.
    /// </summary>
    public static void For(ILGenerator il, LocalBuilder index, Action count, bool descending, Action body)
    {
        var condition = il.DefineLabel();
        var loop = il.DefineLabel();
        if (descending)
        {
            count();
            il.Emit(OpCodes.Ldc_I4_1);
            il.Emit(OpCodes.Sub);
        }
        else
        {
            il.Emit(OpCodes.Ldc_I4_0);
        }

        il.Emit(OpCodes.Stloc, index);
        il.Emit(OpCodes.Br, condition);
        il.MarkLabel(loop);
        body();
        il.Emit(OpCodes.Ldloc, index);
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(descending ? OpCodes.Sub : OpCodes.Add);
        il.Emit(OpCodes.Stloc, index);
        il.MarkLabel(condition);
        il.Emit(OpCodes.Ldloc, index);
        if (descending)
        {
            il.Emit(OpCodes.Ldc_I4_0);
            il.Emit(OpCodes.Bge, loop);
        }
        else
        {
            count();
            il.Emit(OpCodes.Blt, loop);
        }
    }
}
