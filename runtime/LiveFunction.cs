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

    // Set when the library rolls back on a fault: Current is then a guard around the generation's method. Null
    // otherwise, so a binding without rollback calls the generation's method with nothing in between.
    private IFaultHandler? _faults;

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

    void ILiveFunction.GuardWith(IFaultHandler faults) => _faults = faults;

    void ILiveFunction.Apply(object boundDelegate, int generation) =>
        Current = _faults is null ? (T)boundDelegate : Guard((T)boundDelegate, generation, _faults);

    /// <summary>
    /// Wraps <paramref name="inner"/> so that an exception escaping it rolls back (see <see cref="IFaultHandler"/>) and the
    /// call runs again on the generation rolled back to. A binding of an arbitrary delegate type cannot be wrapped without
    /// generating code, so the base returns it unguarded.
    /// </summary>
    private protected virtual T Guard(T inner, int generation, IFaultHandler faults) => inner;
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

    /// <summary>Makes every later <see cref="Apply"/> guard the generation's method against faults.</summary>
    void GuardWith(IFaultHandler faults);

    void Apply(object boundDelegate, int generation);
}

/// <summary>
/// Turns an exception escaping a guarded call into a rollback. The guard asks <see cref="CanRollBack"/> in an exception
/// filter (nothing unwinds when the answer is no, so the exception reaches the host untouched) and then calls
/// <see cref="RollBack"/>, which makes an earlier generation live; the guard then runs the call again on it.
/// </summary>
internal interface IFaultHandler
{
    bool CanRollBack(int generation);

    /// <summary>False when no earlier generation could be made live: the guard rethrows.</summary>
    bool RollBack(string entryPoint, int generation, Exception exception);
}
