using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace HotReload.Runtime;

/// <summary>
/// Maps the values of an old enum to those of the new one by member name (or <see cref="RenamedFromAttribute"/>), so a
/// reordered or renumbered enum keeps meaning the same member. A value whose member is gone becomes 0 (and is counted);
/// a value no member names keeps its number; a [Flags] combination is mapped flag by flag.
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class EnumTable
{
    private readonly Dictionary<long, long> _values = [];
    private readonly HashSet<long> _removed = [];
    private readonly bool _flags;

    private EnumTable(string name, bool flags)
    {
        Name = name;
        _flags = flags;
    }

    public string Name { get; }

    /// <summary>Every named value keeps its number: nothing to convert.</summary>
    public bool IsIdentity { get; private set; } = true;

    /// <summary>How many values named a member the new enum no longer has.</summary>
    public int Removed { get; private set; }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static EnumTable Create(Type from, Type to)
    {
        var table = new EnumTable(Conversion.NameOf(to), from.IsDefined(typeof(FlagsAttribute), inherit: false));
        var newByName = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var field in to.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var value = ToLong(field.GetRawConstantValue()!);
            newByName.TryAdd(field.Name, value);
            if (RenamedFromAttribute.MayBeUsedIn(to.Assembly) && field.GetCustomAttribute<RenamedFromAttribute>(inherit: false) is { } renamed)
            {
                newByName[renamed.OldName] = value;
            }
        }

        foreach (var field in from.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var value = ToLong(field.GetRawConstantValue()!);
            if (newByName.TryGetValue(field.Name, out var mapped))
            {
                table._values.TryAdd(value, mapped);
                table.IsIdentity &= mapped == value;
            }
            else
            {
                table._removed.Add(value);
                table.IsIdentity = false;
            }
        }

        return table;
    }

    public long Map(long value)
    {
        if (_values.TryGetValue(value, out var mapped))
        {
            return mapped;
        }

        if (_flags && value != 0)
        {
            long result = 0;
            for (var bit = 0; bit < 64; bit++)
            {
                var flag = 1L << bit;
                if ((value & flag) == 0)
                {
                    continue;
                }

                if (_values.TryGetValue(flag, out var mappedFlag))
                {
                    result |= mappedFlag;
                }
                else if (!_removed.Contains(flag))
                {
                    result |= flag;
                }
            }

            return result;
        }

        if (_removed.Contains(value))
        {
            Removed++;
            return 0;
        }

        return value; // a number no member names: kept
    }

    private static long ToLong(object value) => value switch
    {
        ulong u => unchecked((long)u),
        _ => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}
