using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace HotReload.Runtime;

/// <summary>
/// An entry point of a reloadable library, bound to the live generation. <see cref="ReloadableLibrary.Update"/>
/// rebinds it to each new generation; a call already running finishes on the code it started in.
/// </summary>
public abstract class LiveBinding<T> : ILiveFunction where T : Delegate
{
    // Null when HotReload.IsSupported is off (a trimmed Release host): the binding calls its one method, and nothing
    // about it is looked up by name.
    private readonly MethodIdentity? _identity;

    // Read on every call, written only by Update on the host's thread: a plain field, no lock, no reflection.
    private protected T Current;

    private protected LiveBinding(MethodIdentity? identity, T initial)
    {
        _identity = identity;
        Current = initial;
    }

    /// <summary>
    /// The delegate of the live generation. Prefer the <c>Invoke</c> method of the typed bindings: a delegate that
    /// unoptimized (Debug) host code holds in a temporary keeps its generation in memory until that method returns.
    /// </summary>
    public T Delegate => Current;

    /// <summary>The method this function is bound to, as <c>Namespace.Type.Method</c>.</summary>
    public string Name => _identity?.DisplayName ?? Current.Method.DeclaringType?.FullName + "." + Current.Method.Name;

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    object ILiveFunction.Resolve(Assembly generation) =>
        (_identity ?? throw new InvalidOperationException("A binding made with HotReload.IsSupported off never changes generation."))
            .CreateDelegate<T>(generation);

    void ILiveFunction.Apply(object boundDelegate) => Current = (T)boundDelegate;
}

/// <summary>A bound entry point of any delegate type, for signatures the typed bindings do not cover (for example <c>ref</c> parameters).</summary>
public sealed class LiveFunction<T> : LiveBinding<T> where T : Delegate
{
    internal LiveFunction(MethodIdentity? identity, T initial) : base(identity, initial) { }

    /// <summary>The delegate of the live generation; call it as <c>function.Invoke(arguments)</c>.</summary>
    public T Invoke => Current;
}

/// <summary>Rebinds functions of any delegate type in two phases: resolve all, then apply all.</summary>
internal interface ILiveFunction
{
    /// <summary>Binds to the same method in another generation; throws <see cref="HotReloadException"/> when it is missing.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    object Resolve(Assembly generation);

    void Apply(object boundDelegate);
}
