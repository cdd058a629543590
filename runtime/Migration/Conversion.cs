using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;

namespace HotReload.Runtime;

/// <summary>How a value of an old field becomes the value of the new one.</summary>
internal enum ConversionKind
{
    /// <summary>The same value: a number, a string, a host object that can hold nothing of the library.</summary>
    Copy,

    /// <summary>A reference, migrated (an object of the library becomes its new counterpart) and checked against the new field's type.</summary>
    Reference,

    /// <summary>A struct, converted field by field.</summary>
    Struct,

    /// <summary>A number widened without loss (<c>int</c> to <c>long</c>, <c>float</c> to <c>double</c>).</summary>
    Numeric,

    /// <summary>An enum value, by its member's name.</summary>
    Enum,

    /// <summary>A value into a nullable of its type (<c>T</c> to <c>T?</c>).</summary>
    WrapNullable,

    /// <summary>A value into a field of a reference type it converts to (a struct into <c>object</c> or an interface).</summary>
    Box,

    /// <summary>No conversion without loss: the new field keeps its initializer's value (or its default).</summary>
    Reset,
}

/// <summary>One way from an old field's type to a new field's type; see <see cref="MigrationCode.Classify"/>.</summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class Conversion(ConversionKind kind, Type from, Type to)
{
    private static readonly Dictionary<Type, Type[]> LosslessWidening = new()
    {
        [typeof(sbyte)] = [typeof(short), typeof(int), typeof(long), typeof(float), typeof(double), typeof(decimal)],
        [typeof(byte)] = [typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong), typeof(float), typeof(double), typeof(decimal)],
        [typeof(short)] = [typeof(int), typeof(long), typeof(float), typeof(double), typeof(decimal)],
        [typeof(ushort)] = [typeof(int), typeof(uint), typeof(long), typeof(ulong), typeof(float), typeof(double), typeof(decimal)],
        [typeof(char)] = [typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong), typeof(float), typeof(double), typeof(decimal)],
        [typeof(int)] = [typeof(long), typeof(double), typeof(decimal)],
        [typeof(uint)] = [typeof(long), typeof(ulong), typeof(double), typeof(decimal)],
        [typeof(long)] = [typeof(decimal)],
        [typeof(ulong)] = [typeof(decimal)],
        [typeof(float)] = [typeof(double)],
    };

    public ConversionKind Kind { get; } = kind;

    public Type From { get; } = from;

    public Type To { get; } = to;

    /// <summary>The slot of a <see cref="ConversionKind.Reference"/> (its target type) or the table of an <see cref="ConversionKind.Enum"/>.</summary>
    public int Slot { get; init; } = -1;

    /// <summary>What <see cref="ConversionKind.WrapNullable"/> and <see cref="ConversionKind.Box"/> convert first.</summary>
    public Conversion? Inner { get; init; }

    /// <summary>The fields of a struct converted field by field (<see cref="ConversionKind.Struct"/>), emitted inline.</summary>
    public IReadOnlyList<FieldPair>? Fields { get; init; }

    /// <summary>A conversion of <paramref name="from"/> to <paramref name="to"/> that loses nothing, or null.</summary>
    public static Conversion? Widening(Type from, Type to) =>
        LosslessWidening.TryGetValue(from, out var targets) && targets.Contains(to) ? new Conversion(ConversionKind.Numeric, from, to) : null;

    /// <summary>Pushes the converted value of <paramref name="source"/> (the migrator is argument <paramref name="migrator"/>).</summary>
    public void EmitValue(ILGenerator il, ValueSlot source, short migrator)
    {
        switch (Kind)
        {
            case ConversionKind.Copy:
                source.EmitLoad(il);
                break;
            case ConversionKind.Reference:
                il.Emit(OpCodes.Ldarg, migrator);
                source.EmitLoad(il);
                il.Emit(OpCodes.Ldc_I4, Slot);
                il.Emit(OpCodes.Call, StateMigrator.MapFieldMethod);
                break;
            case ConversionKind.Numeric:
                source.EmitLoad(il);
                EmitWidening(il);
                break;
            case ConversionKind.Enum:
                il.Emit(OpCodes.Ldarg, migrator);
                source.EmitLoad(il);
                il.Emit(IsUnsigned(Enum.GetUnderlyingType(From)) ? OpCodes.Conv_U8 : OpCodes.Conv_I8);
                il.Emit(OpCodes.Ldc_I4, Slot);
                il.Emit(OpCodes.Call, StateMigrator.MapEnumMethod);
                EmitNarrowing(il, Enum.GetUnderlyingType(To));
                break;
            case ConversionKind.Struct:
                var value = il.DeclareLocal(To);
                il.Emit(OpCodes.Ldloca, value);
                il.Emit(OpCodes.Initobj, To);
                EmitFields(il, source, new LocalSlot(value), migrator);
                il.Emit(OpCodes.Ldloc, value);
                break;
            case ConversionKind.WrapNullable:
                Inner!.EmitValue(il, source, migrator);
                il.Emit(OpCodes.Newobj, To.GetConstructor([Inner.To])!);
                break;
            case ConversionKind.Box:
                Inner!.EmitValue(il, source, migrator);
                il.Emit(OpCodes.Box, Inner.To);
                break;
            default:
                throw new InvalidOperationException($"A {Kind} conversion has no value.");
        }
    }

    /// <summary>Writes the converted value of <paramref name="source"/> to <paramref name="target"/>; nothing for a reset.</summary>
    public void Emit(ILGenerator il, ValueSlot source, ValueSlot target, short migrator)
    {
        if (Kind == ConversionKind.Reset)
        {
            return;
        }

        if (Kind == ConversionKind.Struct)
        {
            EmitFields(il, source, target, migrator); // in place: no copy of the struct on the stack
            return;
        }

        target.EmitStorePrefix(il);
        EmitValue(il, source, migrator);
        target.EmitStore(il);
    }

    /// <summary>A struct's fields, one by one, from the struct at <paramref name="source"/> into the one at <paramref name="target"/>.</summary>
    private void EmitFields(ILGenerator il, ValueSlot source, ValueSlot target, short migrator)
    {
        foreach (var pair in Fields!)
        {
            pair.Conversion.Emit(il, new FieldSlot(source.EmitAddress, pair.Old), new FieldSlot(target.EmitAddress, pair.New), migrator);
        }
    }

    private void EmitWidening(ILGenerator il)
    {
        if (To == typeof(decimal))
        {
            il.Emit(OpCodes.Call, typeof(decimal).GetMethod("op_Implicit", [From])!);
            return;
        }

        var unsigned = IsUnsigned(From);
        if (To == typeof(float) || To == typeof(double))
        {
            if (unsigned)
            {
                il.Emit(OpCodes.Conv_R_Un);
            }

            il.Emit(To == typeof(float) ? OpCodes.Conv_R4 : OpCodes.Conv_R8);
            return;
        }

        il.Emit(Type.GetTypeCode(To) switch
        {
            TypeCode.Int64 => unsigned ? OpCodes.Conv_U8 : OpCodes.Conv_I8,
            TypeCode.UInt64 => OpCodes.Conv_U8,
            TypeCode.Int32 => OpCodes.Conv_I4,
            TypeCode.UInt32 => OpCodes.Conv_U4,
            TypeCode.Int16 => OpCodes.Conv_I2,
            TypeCode.UInt16 => OpCodes.Conv_U2,
            _ => OpCodes.Nop,
        });
    }

    private static void EmitNarrowing(ILGenerator il, Type underlying) => il.Emit(Type.GetTypeCode(underlying) switch
    {
        TypeCode.SByte => OpCodes.Conv_I1,
        TypeCode.Byte => OpCodes.Conv_U1,
        TypeCode.Int16 => OpCodes.Conv_I2,
        TypeCode.UInt16 => OpCodes.Conv_U2,
        TypeCode.Int32 => OpCodes.Conv_I4,
        TypeCode.UInt32 => OpCodes.Conv_U4,
        TypeCode.Char => OpCodes.Conv_U2,
        _ => OpCodes.Nop, // 64 bits already
    });

    private static bool IsUnsigned(Type type) => Type.GetTypeCode(type) is TypeCode.Byte or TypeCode.UInt16 or TypeCode.UInt32 or TypeCode.UInt64 or TypeCode.Char;

    /// <summary>A short name for messages: <c>int</c>, <c>List&lt;Enemy&gt;</c>, <c>Outer.Inner</c>.</summary>
    public static string NameOf(Type type)
    {
        if (type.IsArray)
        {
            return NameOf(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return NameOf(underlying) + "?";
        }

        var name = Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => "bool", TypeCode.Char => "char", TypeCode.SByte => "sbyte", TypeCode.Byte => "byte",
            TypeCode.Int16 => "short", TypeCode.UInt16 => "ushort", TypeCode.Int32 => "int", TypeCode.UInt32 => "uint",
            TypeCode.Int64 => "long", TypeCode.UInt64 => "ulong", TypeCode.Single => "float", TypeCode.Double => "double",
            TypeCode.Decimal => "decimal", TypeCode.String => "string",
            _ => type == typeof(object) ? "object" : null,
        };
        if (name is not null && !type.IsEnum)
        {
            return name;
        }

        name = type.Name;
        var tick = name.IndexOf('`');
        if (tick >= 0)
        {
            name = name[..tick];
        }

        if (type.IsConstructedGenericType)
        {
            name += "<" + string.Join(", ", type.GetGenericArguments().Select(NameOf)) + ">";
        }

        return type.IsNested && type.DeclaringType is { } outer && !GenerationTypeMap.IsGenerated(type) ? NameOf(outer) + "." + name : name;
    }
}
