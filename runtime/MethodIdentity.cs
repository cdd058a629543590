using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace HotReload.Runtime;

/// <summary>
/// Names a static method independently of the assembly it was compiled into, so the same entry point can be found
/// in every generation. Parameter types come from shared assemblies (such as the host's Common), so they are the
/// very same types in each generation.
/// </summary>
internal sealed class MethodIdentity
{
    private const BindingFlags StaticMethods = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private readonly string _typeName;
    private readonly string _methodName;
    private readonly Type[] _parameterTypes;
    private readonly Type _returnType;

    private MethodIdentity(MethodInfo method)
    {
        _typeName = method.DeclaringType!.FullName!;
        _methodName = method.Name;
        _parameterTypes = method.GetParameters().Select(p => p.ParameterType).ToArray();
        _returnType = method.ReturnType;
    }

    public string DisplayName => _typeName + "." + _methodName;

    /// <summary>Checks that <paramref name="function"/> is a method group of a static method in the library.</summary>
    public static MethodIdentity Of(Delegate function, Assembly library)
    {
        var method = function.Method;
        if (function.Target is not null || !method.IsStatic || method.DeclaringType is null)
        {
            throw new HotReloadException(
                $"HR2003: Bind needs a static method of {library.GetName().Name} (a method group such as Logic.UpdateAndRender), but got {Describe(method)}. Lambdas and instance methods cannot be found again in a new generation.");
        }

        if (method.DeclaringType.Assembly != library)
        {
            throw new HotReloadException(
                $"HR2003: Bind needs a method of {library.GetName().Name}, but {Describe(method)} is in {method.DeclaringType.Assembly.GetName().Name}. Open one ReloadableLibrary per reloadable project.");
        }

        if (method.IsGenericMethod || method.DeclaringType.IsGenericType)
        {
            throw new HotReloadException($"HR2003: Bind does not support generic methods or types ({Describe(method)}); wrap the call in a non-generic static method.");
        }

        return new MethodIdentity(method);
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public T CreateDelegate<T>(Assembly generation) where T : Delegate
    {
        var type = generation.GetType(_typeName, throwOnError: false)
            ?? throw Missing(generation, $"type {_typeName} is gone");
        var method = type.GetMethod(_methodName, StaticMethods, binder: null, _parameterTypes, modifiers: null)
            ?? throw Missing(generation, $"{DisplayName}({string.Join(", ", _parameterTypes.Select(t => t.Name))}) is gone or has another signature");
        if (method.ReturnType != _returnType)
        {
            throw Missing(generation, $"{DisplayName} now returns {method.ReturnType.Name} instead of {_returnType.Name}");
        }

        return method.CreateDelegate<T>();
    }

    private HotReloadException Missing(Assembly generation, string what) => new(
        $"HR2002: {generation.GetName().Name} cannot be made live: {what}. The host binds {DisplayName} with the signature it was compiled with; restore it, or rebuild and restart the host to change an entry point.");

    private static string Describe(MethodInfo method) => $"{method.DeclaringType?.FullName ?? "?"}.{method.Name}";
}
