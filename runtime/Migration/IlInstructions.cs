using System.Reflection;
using System.Reflection.Emit;

namespace HotReload.Runtime;

/// <summary>One decoded IL instruction: where it starts, its opcode and its raw operand.</summary>
internal readonly record struct IlInstruction(int Offset, OpCode OpCode, long Operand, int[]? SwitchTargets)
{
    /// <summary>The metadata token of an instruction that names a member, type, string or signature.</summary>
    public int Token => (int)Operand;

    /// <summary>The offset a branch jumps to.</summary>
    public int BranchTarget => (int)Operand;

    public int Size => OpCode.Size + OperandSize(OpCode.OperandType, SwitchTargets?.Length ?? 0);

    public int End => Offset + Size;

    public static int OperandSize(OperandType type, int switchCount) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * switchCount),
        _ => 4,
    };
}

/// <summary>Decodes a method body's IL into instructions (ECMA-335 III), for reading, not verifying.</summary>
internal static class IlInstructions
{
    private static readonly OpCode[] OneByte = new OpCode[0x100];
    private static readonly OpCode[] TwoByte = new OpCode[0x100];

    static IlInstructions()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (field.GetValue(null) is OpCode code)
            {
                var value = (ushort)code.Value;
                if (code.Size == 1)
                {
                    OneByte[value] = code;
                }
                else
                {
                    TwoByte[value & 0xFF] = code;
                }
            }
        }
    }

    /// <summary>Every instruction of <paramref name="il"/>; throws <see cref="BadImageFormatException"/> on an unknown opcode.</summary>
    public static List<IlInstruction> Decode(byte[] il)
    {
        var result = new List<IlInstruction>();
        var at = 0;
        while (at < il.Length)
        {
            var start = at;
            OpCode code;
            if (il[at] == 0xFE)
            {
                code = TwoByte[il[at + 1]];
                at += 2;
            }
            else
            {
                code = OneByte[il[at]];
                at += 1;
            }

            if (code.Size == 0)
            {
                throw new BadImageFormatException($"Unknown IL opcode at offset {start}.");
            }

            long operand = 0;
            int[]? targets = null;
            switch (code.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                    operand = at + 1 + (sbyte)il[at];
                    at += 1;
                    break;
                case OperandType.ShortInlineI:
                    operand = code == OpCodes.Ldc_I4_S ? (sbyte)il[at] : il[at];
                    at += 1;
                    break;
                case OperandType.ShortInlineVar:
                    operand = il[at];
                    at += 1;
                    break;
                case OperandType.InlineVar:
                    operand = BitConverter.ToUInt16(il, at);
                    at += 2;
                    break;
                case OperandType.InlineBrTarget:
                    operand = at + 4 + BitConverter.ToInt32(il, at);
                    at += 4;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    operand = BitConverter.ToInt64(il, at);
                    at += 8;
                    break;
                case OperandType.InlineSwitch:
                    var count = BitConverter.ToInt32(il, at);
                    var baseOffset = at + 4 + (4 * count);
                    targets = new int[count];
                    for (var i = 0; i < count; i++)
                    {
                        targets[i] = baseOffset + BitConverter.ToInt32(il, at + 4 + (4 * i));
                    }

                    at = baseOffset;
                    break;
                default: // tokens, InlineI, ShortInlineR (4 bytes)
                    operand = BitConverter.ToInt32(il, at);
                    at += 4;
                    break;
            }

            result.Add(new IlInstruction(start, code, operand, targets));
        }

        return result;
    }
}
