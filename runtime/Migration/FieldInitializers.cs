using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;

namespace HotReload.Runtime;

/// <summary>
/// Runs the initializers of fields a swap adds (<c>int armor = 5;</c>) on objects that already exist, without running
/// any constructor: the C# compiler emits each initializer at the start of every constructor that calls the base
/// constructor, as <c>ldarg.0, &lt;expression&gt;, stfld</c>, before that call. This finds each one there, by following
/// the evaluation stack, and copies its IL into a dynamic method. An initializer that uses a constructor's parameter
/// (a primary constructor's) cannot run without one: its field keeps its default, and the swap says so.
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal static class FieldInitializers
{
    private const BindingFlags DeclaredInstance = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> LongForms = BuildLongForms();

    /// <summary>
    /// <c>void Init(object o)</c> that runs the initializers of <paramref name="fields"/> (fields of any level of
    /// <paramref name="type"/>) on an existing object; null when none of them has one it can run. Fields whose
    /// initializer cannot run are added to <paramref name="unsupported"/>.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static Action<object>? TryBuild(Type type, IReadOnlyList<FieldInfo> fields, List<FieldInfo> unsupported)
    {
        if (type.IsValueType || fields.Count == 0)
        {
            return null;
        }

        var method = MigrationCode.NewMethod("Initialize " + type.Name, typeof(void), [typeof(object)]);
        var il = method.GetILGenerator();
        var emitted = false;
        foreach (var level in fields.GroupBy(f => f.DeclaringType!))
        {
            var segments = Segments(level.Key);
            var self = il.DeclareLocal(level.Key);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Castclass, level.Key);
            il.Emit(OpCodes.Stloc, self);
            Dictionary<int, LocalBuilder>? locals = null;
            foreach (var field in level)
            {
                var segment = segments?.Find(s => SameField(s.Field, field));
                if (segment is null)
                {
                    continue; // no initializer: the default stays
                }

                if (!segment.Runnable || !TryEmit(il, segment, self, ref locals))
                {
                    unsupported.Add(field);
                    continue;
                }

                emitted = true;
            }
        }

        il.Emit(OpCodes.Ret);
        return emitted ? method.CreateDelegate<Action<object>>() : null;
    }

    private static bool SameField(FieldInfo a, FieldInfo b) => a.MetadataToken == b.MetadataToken && a.Module == b.Module;

    /// <summary>One field initializer: the instructions from its <c>ldarg.0</c> to its <c>stfld</c>.</summary>
    private sealed record Segment(FieldInfo Field, List<IlInstruction> Instructions, MethodBase Constructor, bool Runnable);

    /// <summary>The initializers at the start of a constructor of <paramref name="type"/> that calls the base constructor.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static List<Segment>? Segments(Type type)
    {
        foreach (var constructor in type.GetConstructors(DeclaredInstance))
        {
            var body = constructor.GetMethodBody();
            var il = body?.GetILAsByteArray();
            if (body is null || il is null)
            {
                continue;
            }

            var typeArguments = type.IsGenericType ? type.GetGenericArguments() : null;
            var instructions = IlInstructions.Decode(il);
            var segments = new List<Segment>();
            var depthAt = new Dictionary<int, int>();
            var depth = 0;
            var start = 0;
            var endsPrefix = false;
            for (var i = 0; i < instructions.Count && !endsPrefix; i++)
            {
                var instruction = instructions[i];
                if (depthAt.TryGetValue(instruction.Offset, out var known))
                {
                    depth = known;
                }

                if (instruction.OpCode == OpCodes.Call && Resolve(constructor, instruction.Token, typeArguments) is ConstructorInfo called
                    && (called.DeclaringType == type.BaseType || called.DeclaringType == type))
                {
                    if (called.DeclaringType == type)
                    {
                        segments = null; // this(...): the initializers are in the constructor it calls
                    }

                    endsPrefix = true;
                    break;
                }

                if (!TryStackEffect(constructor, instruction, typeArguments, out var pops, out var pushes))
                {
                    return segments.Count > 0 ? segments : null;
                }

                depth += pushes - pops;
                if (instruction.OpCode.OperandType is OperandType.InlineBrTarget or OperandType.ShortInlineBrTarget)
                {
                    depthAt.TryAdd(instruction.BranchTarget, depth);
                }
                else if (instruction.SwitchTargets is { } targets)
                {
                    foreach (var target in targets)
                    {
                        depthAt.TryAdd(target, depth);
                    }
                }

                if (depth == 0)
                {
                    if (instruction.OpCode == OpCodes.Stfld && Resolve(constructor, instruction.Token, typeArguments) is FieldInfo field && field.DeclaringType == type)
                    {
                        var part = instructions.GetRange(start, i - start + 1);
                        segments.Add(new Segment(field, part, constructor, IsRunnable(part, body, instructions)));
                    }

                    start = i + 1;
                }
            }

            if (segments is not null && endsPrefix)
            {
                return segments;
            }
        }

        return null;
    }

    /// <summary>
    /// True when the instructions need nothing but the object: no constructor parameter, no branch out of them, no
    /// exception handler across them, no indirect call.
    /// </summary>
    private static bool IsRunnable(List<IlInstruction> part, MethodBody body, List<IlInstruction> all)
    {
        var first = part[0].Offset;
        var end = part[^1].End;
        if (body.ExceptionHandlingClauses.Any(c => c.TryOffset < end && c.HandlerOffset + c.HandlerLength > first))
        {
            return false;
        }

        foreach (var instruction in part)
        {
            var code = instruction.OpCode;
            if (code == OpCodes.Ldarg_1 || code == OpCodes.Ldarg_2 || code == OpCodes.Ldarg_3 || code == OpCodes.Calli || code == OpCodes.Jmp
                || ((code == OpCodes.Ldarg || code == OpCodes.Ldarg_S || code == OpCodes.Ldarga || code == OpCodes.Ldarga_S
                     || code == OpCodes.Starg || code == OpCodes.Starg_S) && instruction.Operand != 0)
                || code == OpCodes.Ldarga || code == OpCodes.Ldarga_S || code == OpCodes.Starg || code == OpCodes.Starg_S)
            {
                return false;
            }

            if (code.OperandType is OperandType.InlineBrTarget or OperandType.ShortInlineBrTarget
                && (instruction.BranchTarget < first || instruction.BranchTarget > end))
            {
                return false;
            }

            if (instruction.SwitchTargets is { } targets && targets.Any(t => t < first || t > end))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Copies a segment's instructions, with <c>ldarg.0</c> reading the object being initialized.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static bool TryEmit(ILGenerator il, Segment segment, LocalBuilder self, ref Dictionary<int, LocalBuilder>? locals)
    {
        var constructor = segment.Constructor;
        var typeArguments = constructor.DeclaringType!.IsGenericType ? constructor.DeclaringType.GetGenericArguments() : null;
        var body = constructor.GetMethodBody()!;
        var labels = new Dictionary<int, Label>();
        foreach (var instruction in segment.Instructions)
        {
            if (instruction.OpCode.OperandType is OperandType.InlineBrTarget or OperandType.ShortInlineBrTarget)
            {
                labels.TryAdd(instruction.BranchTarget, il.DefineLabel());
            }

            foreach (var target in instruction.SwitchTargets ?? [])
            {
                labels.TryAdd(target, il.DefineLabel());
            }
        }

        var end = il.DefineLabel();
        labels.TryAdd(segment.Instructions[^1].End, end);
        foreach (var instruction in segment.Instructions)
        {
            if (labels.TryGetValue(instruction.Offset, out var here))
            {
                il.MarkLabel(here);
            }

            var code = instruction.OpCode;
            if (code == OpCodes.Ldarg_0 || ((code == OpCodes.Ldarg || code == OpCodes.Ldarg_S) && instruction.Operand == 0))
            {
                il.Emit(OpCodes.Ldloc, self);
                continue;
            }

            if (LocalIndex(instruction) is var (index, kind) && index >= 0)
            {
                locals ??= [];
                if (!locals.TryGetValue(index, out var local))
                {
                    var info = body.LocalVariables[index];
                    locals[index] = local = il.DeclareLocal(info.LocalType, info.IsPinned);
                }

                il.Emit(kind, local);
                continue;
            }

            switch (code.OperandType)
            {
                case OperandType.InlineNone:
                    il.Emit(code);
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.InlineBrTarget:
                    il.Emit(LongForms.GetValueOrDefault(code.Value, code), labels[instruction.BranchTarget]);
                    break;
                case OperandType.InlineSwitch:
                    il.Emit(code, instruction.SwitchTargets!.Select(t => labels[t]).ToArray());
                    break;
                case OperandType.ShortInlineI:
                    if (code == OpCodes.Ldc_I4_S)
                    {
                        il.Emit(OpCodes.Ldc_I4, (int)instruction.Operand);
                    }
                    else
                    {
                        il.Emit(code, (byte)instruction.Operand); // unaligned.
                    }

                    break;
                case OperandType.InlineI:
                    il.Emit(code, (int)instruction.Operand);
                    break;
                case OperandType.InlineI8:
                    il.Emit(code, instruction.Operand);
                    break;
                case OperandType.ShortInlineR:
                    il.Emit(code, BitConverter.Int32BitsToSingle((int)instruction.Operand));
                    break;
                case OperandType.InlineR:
                    il.Emit(code, BitConverter.Int64BitsToDouble(instruction.Operand));
                    break;
                case OperandType.InlineString:
                    il.Emit(code, constructor.Module.ResolveString(instruction.Token));
                    break;
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineType:
                case OperandType.InlineTok:
                    switch (Resolve(constructor, instruction.Token, typeArguments))
                    {
                        case FieldInfo field: il.Emit(code, field); break;
                        case ConstructorInfo ctor: il.Emit(code, ctor); break;
                        case MethodInfo method: il.Emit(code, method); break;
                        case Type type: il.Emit(code, type); break;
                        default: return false;
                    }

                    break;
                default:
                    return false; // InlineSig (calli), InlineVar with an argument index: not in a runnable segment
            }
        }

        il.MarkLabel(end);
        return true;
    }

    /// <summary>A local variable instruction's index and the long-form opcode to emit with a <see cref="LocalBuilder"/>.</summary>
    private static (int Index, OpCode Kind) LocalIndex(IlInstruction instruction)
    {
        var code = instruction.OpCode;
        if (code == OpCodes.Ldloc_0) return (0, OpCodes.Ldloc);
        if (code == OpCodes.Ldloc_1) return (1, OpCodes.Ldloc);
        if (code == OpCodes.Ldloc_2) return (2, OpCodes.Ldloc);
        if (code == OpCodes.Ldloc_3) return (3, OpCodes.Ldloc);
        if (code == OpCodes.Stloc_0) return (0, OpCodes.Stloc);
        if (code == OpCodes.Stloc_1) return (1, OpCodes.Stloc);
        if (code == OpCodes.Stloc_2) return (2, OpCodes.Stloc);
        if (code == OpCodes.Stloc_3) return (3, OpCodes.Stloc);
        if (code == OpCodes.Ldloc || code == OpCodes.Ldloc_S) return ((int)instruction.Operand, OpCodes.Ldloc);
        if (code == OpCodes.Stloc || code == OpCodes.Stloc_S) return ((int)instruction.Operand, OpCodes.Stloc);
        if (code == OpCodes.Ldloca || code == OpCodes.Ldloca_S) return ((int)instruction.Operand, OpCodes.Ldloca);
        return (-1, code);
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static MemberInfo? Resolve(MethodBase method, int token, Type[]? typeArguments)
    {
        try
        {
            return method.Module.ResolveMember(token, typeArguments, null);
        }
        catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or MissingMemberException)
        {
            return null;
        }
    }

    /// <summary>How many values an instruction takes from the evaluation stack and puts on it.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static bool TryStackEffect(MethodBase method, IlInstruction instruction, Type[]? typeArguments, out int pops, out int pushes)
    {
        var code = instruction.OpCode;
        pops = code.StackBehaviourPop switch
        {
            StackBehaviour.Pop0 => 0,
            StackBehaviour.Pop1 or StackBehaviour.Popi or StackBehaviour.Popref => 1,
            StackBehaviour.Pop1_pop1 or StackBehaviour.Popi_pop1 or StackBehaviour.Popi_popi or StackBehaviour.Popi_popi8
                or StackBehaviour.Popi_popr4 or StackBehaviour.Popi_popr8 or StackBehaviour.Popref_pop1 or StackBehaviour.Popref_popi => 2,
            StackBehaviour.Popi_popi_popi or StackBehaviour.Popref_popi_popi or StackBehaviour.Popref_popi_popi8 or StackBehaviour.Popref_popi_popr4
                or StackBehaviour.Popref_popi_popr8 or StackBehaviour.Popref_popi_popref or StackBehaviour.Popref_popi_pop1 => 3,
            _ => -1,
        };
        pushes = code.StackBehaviourPush switch
        {
            StackBehaviour.Push0 => 0,
            StackBehaviour.Push1 or StackBehaviour.Pushi or StackBehaviour.Pushi8 or StackBehaviour.Pushr4 or StackBehaviour.Pushr8 or StackBehaviour.Pushref => 1,
            StackBehaviour.Push1_push1 => 2,
            _ => -1,
        };

        if (code.StackBehaviourPop == StackBehaviour.Varpop || code.StackBehaviourPush == StackBehaviour.Varpush)
        {
            if (code != OpCodes.Call && code != OpCodes.Callvirt && code != OpCodes.Newobj
                || Resolve(method, instruction.Token, typeArguments) is not MethodBase called)
            {
                return false; // calli, ret: not in an initializer
            }

            var parameters = called.GetParameters().Length;
            pops = code == OpCodes.Newobj ? parameters : parameters + (called.IsStatic ? 0 : 1);
            pushes = code == OpCodes.Newobj || (called is MethodInfo m && m.ReturnType != typeof(void)) ? 1 : 0;
        }

        return pops >= 0 && pushes >= 0;
    }

    private static Dictionary<short, OpCode> BuildLongForms()
    {
        var all = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToList();
        var byName = all.ToDictionary(c => c.Name!, StringComparer.Ordinal);
        var result = new Dictionary<short, OpCode>();
        foreach (var code in all.Where(c => c.OperandType == OperandType.ShortInlineBrTarget))
        {
            if (byName.TryGetValue(code.Name![..^2], out var longForm))
            {
                result[code.Value] = longForm;
            }
        }

        return result;
    }
}
