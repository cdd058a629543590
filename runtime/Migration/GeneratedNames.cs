namespace HotReload.Runtime;

/// <summary>
/// Reads the names the C# compiler gives what it generates (Roslyn's GeneratedNames): lambdas
/// (<c>&lt;Start&gt;b__3_1</c> in <c>&lt;&gt;c</c>, <c>&lt;Start&gt;b__0</c> in a closure class), local functions
/// (<c>&lt;Start&gt;g__Helper|3_0</c>), closure classes (<c>&lt;&gt;c__DisplayClass3_0</c>), auto-property backing fields
/// (<c>&lt;Hp&gt;k__BackingField</c>) and state machines (<c>&lt;Run&gt;d__5</c>). The first number of a lambda or closure is
/// the ordinal of the method it is written in among its type's members, which shifts when a member is added above it:
/// migration matches through the method's name (and, for overloads, which method uses it), never through that number.
/// </summary>
internal static class GeneratedNames
{
    /// <summary>The singleton class of a type's lambdas that capture nothing.</summary>
    public const string LambdaSingletonClass = "<>c";

    /// <summary>The field of <see cref="LambdaSingletonClass"/> that holds its one instance.</summary>
    public const string LambdaSingletonField = "<>9";

    public static bool IsGenerated(string name) => name.StartsWith('<') || name.StartsWith("CS$", StringComparison.Ordinal);

    /// <summary>A lambda or local function: the method it is written in, its kind, its ordinals.</summary>
    public static bool TryParseFunction(string name, out GeneratedFunction function)
    {
        function = default;
        var close = name.IndexOf('>');
        if (!name.StartsWith('<') || close < 2 || name.Length < close + 4 || name[close + 2] != '_' || name[close + 3] != '_')
        {
            return false;
        }

        var kind = name[close + 1];
        var rest = name[(close + 4)..];
        string? localName = null;
        if (kind == 'g')
        {
            var bar = rest.IndexOf('|');
            if (bar < 0)
            {
                return false;
            }

            localName = rest[..bar];
            rest = rest[(bar + 1)..];
        }
        else if (kind != 'b')
        {
            return false;
        }

        if (!TryParseOrdinals(rest, out var first, out var second))
        {
            return false;
        }

        // "3_1": method ordinal 3, lambda 1 (a member of <>c or of the type itself); "1": lambda 1 of a closure class,
        // whose own name carries the method ordinal.
        function = second is { } lambda
            ? new GeneratedFunction(name[1..close], kind == 'g', localName, first, lambda)
            : new GeneratedFunction(name[1..close], kind == 'g', localName, -1, first);
        return true;
    }

    /// <summary>A closure class, <c>&lt;&gt;c__DisplayClass3_0</c>: the ordinal of its method and its own.</summary>
    public static bool TryParseClosureClass(string name, out int methodOrdinal, out int closureOrdinal)
    {
        methodOrdinal = closureOrdinal = -1;
        const string prefix = "<>c__DisplayClass";
        if (!name.StartsWith(prefix, StringComparison.Ordinal) || !TryParseOrdinals(name[prefix.Length..], out var method, out var closure) || closure is null)
        {
            return false;
        }

        methodOrdinal = method;
        closureOrdinal = closure.Value;
        return true;
    }

    /// <summary>An iterator or async method's state machine, <c>&lt;Run&gt;d__5</c>: the method's name.</summary>
    public static bool TryParseStateMachine(string name, out string method)
    {
        method = "";
        var close = name.IndexOf('>');
        if (!name.StartsWith('<') || close < 2 || !name.AsSpan(close + 1).StartsWith("d__"))
        {
            return false;
        }

        method = name[1..close];
        return true;
    }

    /// <summary>The name a field is matched by: an auto-property's backing field by its property's name.</summary>
    public static string MemberKey(string fieldName)
    {
        const string backing = ">k__BackingField";
        return fieldName.StartsWith('<') && fieldName.EndsWith(backing, StringComparison.Ordinal)
            ? fieldName[1..^backing.Length]
            : fieldName;
    }

    /// <summary>The ordinal of the method that a generated member belongs to, from its name or its class's name; -1 if none.</summary>
    public static int MethodOrdinalOf(string memberName, string? declaringTypeName)
    {
        if (TryParseFunction(memberName, out var function) && function.MethodOrdinal >= 0)
        {
            return function.MethodOrdinal;
        }

        if (declaringTypeName is not null && TryParseClosureClass(declaringTypeName, out var method, out _))
        {
            return method;
        }

        if (TryParseClosureClass(memberName, out method, out _))
        {
            return method;
        }

        // The cache field of a lambda that captures nothing: <>9__3_1.
        const string cache = "<>9__";
        return memberName.StartsWith(cache, StringComparison.Ordinal) && TryParseOrdinals(memberName[cache.Length..], out var ordinal, out _) ? ordinal : -1;
    }

    private static bool TryParseOrdinals(string text, out int first, out int? second)
    {
        second = null;
        var hash = text.IndexOf('#'); // a generation suffix of Edit and Continue
        if (hash >= 0)
        {
            text = text[..hash];
        }

        var underscore = text.IndexOf('_');
        if (underscore < 0)
        {
            return int.TryParse(text, System.Globalization.NumberStyles.None, null, out first);
        }

        if (int.TryParse(text[..underscore], System.Globalization.NumberStyles.None, null, out first)
            && int.TryParse(text[(underscore + 1)..], System.Globalization.NumberStyles.None, null, out var value))
        {
            second = value;
            return true;
        }

        return false;
    }
}

/// <summary>A lambda or local function as the compiler named it.</summary>
/// <param name="Method">The method it is written in (<c>.ctor</c> for a field initializer's).</param>
/// <param name="IsLocalFunction">A local function rather than a lambda.</param>
/// <param name="LocalName">A local function's own name.</param>
/// <param name="MethodOrdinal">The method's ordinal when the name carries it; -1 in a closure class.</param>
/// <param name="LambdaOrdinal">Its ordinal among the lambdas and local functions of its method, in source order.</param>
internal readonly record struct GeneratedFunction(string Method, bool IsLocalFunction, string? LocalName, int MethodOrdinal, int LambdaOrdinal);
