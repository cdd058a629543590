using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;

namespace HotReload.Runtime;

/// <summary>
/// What the compiler generated for one type of one generation (its lambdas, local functions and closure classes),
/// indexed by the method each belongs to. A generated name carries its method's ordinal, which shifts when members are
/// added above; this finds the method an ordinal stands for by name and, for overloads, by which of them uses it.
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class GeneratedMembers
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    private readonly Type _type;
    private readonly Dictionary<int, string> _methodByOrdinal = [];
    private readonly Dictionary<string, HashSet<int>> _ordinalsByMethod = new(StringComparer.Ordinal);
    private readonly List<Type> _classes = [];

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public GeneratedMembers(Type type)
    {
        _type = type;
        foreach (var nested in type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (!GeneratedNames.IsGenerated(nested.Name))
            {
                continue;
            }

            _classes.Add(nested);
            foreach (var method in nested.GetMethods(Declared))
            {
                Note(method.Name, nested.Name);
            }
        }

        foreach (var method in type.GetMethods(Declared))
        {
            if (GeneratedNames.IsGenerated(method.Name))
            {
                Note(method.Name, null); // a local function that captures nothing, or only through a struct closure
            }
        }
    }

    /// <summary>The generated classes nested in the type: its lambda singleton, closure classes, state machines.</summary>
    public IReadOnlyList<Type> Classes => _classes;

    private void Note(string memberName, string? className)
    {
        if (!GeneratedNames.TryParseFunction(memberName, out var function))
        {
            return;
        }

        var ordinal = function.MethodOrdinal >= 0 ? function.MethodOrdinal : GeneratedNames.MethodOrdinalOf(memberName, className);
        if (ordinal < 0)
        {
            return;
        }

        _methodByOrdinal.TryAdd(ordinal, function.Method);
        if (!_ordinalsByMethod.TryGetValue(function.Method, out var ordinals))
        {
            _ordinalsByMethod[function.Method] = ordinals = [];
        }

        ordinals.Add(ordinal);
    }

    /// <summary>The method whose generated members carry <paramref name="ordinal"/>; null when none does.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public MethodBase? MethodOf(int ordinal)
    {
        if (!_methodByOrdinal.TryGetValue(ordinal, out var name))
        {
            return null;
        }

        var candidates = MethodsNamed(name);
        return candidates.Count == 1 ? candidates[0] : candidates.FirstOrDefault(m => OwnedOrdinal(m) == ordinal);
    }

    /// <summary>The ordinal of <paramref name="method"/>'s generated members; -1 when it has none.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public int OrdinalOf(MethodBase method)
    {
        if (!_ordinalsByMethod.TryGetValue(method.Name, out var ordinals))
        {
            return -1;
        }

        return ordinals.Count == 1 && MethodsNamed(method.Name).Count == 1 ? ordinals.First() : OwnedOrdinal(method);
    }

    /// <summary>
    /// The lambda or local function of the method with <paramref name="ordinal"/> that stands where
    /// <paramref name="function"/> stood: a local function by its name, a lambda by its ordinal among its method's.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public MethodInfo? FindFunction(int ordinal, GeneratedFunction function)
    {
        foreach (var owner in _classes.Prepend(_type))
        {
            var ownerOrdinal = GeneratedNames.TryParseClosureClass(owner.Name, out var closureMethod, out _) ? closureMethod : -1;
            foreach (var method in owner.GetMethods(Declared))
            {
                if (!GeneratedNames.TryParseFunction(method.Name, out var candidate) || candidate.Method != function.Method
                    || candidate.IsLocalFunction != function.IsLocalFunction)
                {
                    continue;
                }

                var candidateOrdinal = candidate.MethodOrdinal >= 0 ? candidate.MethodOrdinal : ownerOrdinal;
                if (candidateOrdinal != ordinal)
                {
                    continue;
                }

                if (function.IsLocalFunction ? candidate.LocalName == function.LocalName : candidate.LambdaOrdinal == function.LambdaOrdinal)
                {
                    return method;
                }
            }
        }

        return null;
    }

    /// <summary>The closure class of the method with <paramref name="ordinal"/> at <paramref name="closureOrdinal"/>.</summary>
    public Type? ClosureClass(int ordinal, int closureOrdinal) =>
        _classes.FirstOrDefault(c => GeneratedNames.TryParseClosureClass(c.Name, out var m, out var k) && m == ordinal && k == closureOrdinal);

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private List<MethodBase> MethodsNamed(string name) =>
        _type.GetMethods(Declared).Cast<MethodBase>().Concat(_type.GetConstructors(Declared)).Where(m => m.Name == name).ToList();

    /// <summary>Reads the method's IL for the first generated member it uses that carries an ordinal.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static int OwnedOrdinal(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or BadImageFormatException)
        {
            return -1;
        }

        if (il is null)
        {
            return -1;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        foreach (var instruction in IlInstructions.Decode(il))
        {
            if (instruction.OpCode.OperandType is not (OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok))
            {
                continue;
            }

            MemberInfo? member;
            try
            {
                member = method.Module.ResolveMember(instruction.Token, typeArguments, methodArguments);
            }
            catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or MissingMemberException)
            {
                continue;
            }

            if (member is not null && GeneratedNames.MethodOrdinalOf(member.Name, member.DeclaringType?.Name) is var ordinal and >= 0)
            {
                return ordinal;
            }
        }

        return -1;
    }
}
