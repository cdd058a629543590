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

        var name = method.Name;
        if (GeneratedNames.TryParseFunction(name, out var function))
        {
            return function.IsLocalFunction
                ? $"the local function {function.LocalName} in {type?.FullName}.{function.Method}"
                : $"a lambda in {type?.FullName}.{function.Method}";
        }

        return name.StartsWith('<') && name.IndexOf('>') is var end and > 1
            ? $"a lambda in {type?.FullName}.{name[1..end]}"
            : $"{type?.FullName}.{name}";
    }
}
