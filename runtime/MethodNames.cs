using System.Reflection;
using System.Runtime.CompilerServices;

namespace HotReload.Runtime;

/// <summary>Names methods as the user wrote them, for messages.</summary>
internal static class MethodNames
{
    /// <summary><c>Game.Logic.OnTick</c>, or <c>a lambda in Game.Logic.Start</c> for a lambda or local function.</summary>
    public static string Describe(MethodInfo method)
    {
        var type = method.DeclaringType;
        while (type?.DeclaringType is not null && type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false))
        {
            type = type.DeclaringType; // a closure class (<>c, <>c__DisplayClass): name the type the lambda is written in
        }

        return Describe(type?.FullName, method.Name);
    }

    /// <summary>
    /// The same from names: <paramref name="owner"/> is the type the user wrote the method in (for a lambda, the type
    /// its closure class is nested in). The stall diagnosis names methods it reads from the host's heap this way too.
    /// </summary>
    public static string Describe(string? owner, string name)
    {
        if (GeneratedNames.TryParseFunction(name, out var function))
        {
            return function.IsLocalFunction
                ? $"the local function {function.LocalName} in {owner}.{function.Method}"
                : $"a lambda in {owner}.{function.Method}";
        }

        return name.StartsWith('<') && name.IndexOf('>') is var end and > 1
            ? $"a lambda in {owner}.{name[1..end]}"
            : $"{owner}.{name}";
    }
}
