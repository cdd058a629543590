// The typed bindings, one per Action/Func shape with up to four arguments. Each adds only an Invoke method, so a
// Debug host never holds a collectible delegate in its own frame (which would keep that generation in memory).
namespace HotReload.Runtime;

/// <summary>A bound <see cref="Action"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveAction : LiveBinding<Action>
{
    internal LiveAction(MethodIdentity? identity, Action initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public void Invoke() => Current();
}

/// <summary>A bound <see cref="Action{T1}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveAction<T1> : LiveBinding<Action<T1>>
{
    internal LiveAction(MethodIdentity? identity, Action<T1> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public void Invoke(T1 arg1) => Current(arg1);
}

/// <summary>A bound <see cref="Action{T1, T2}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveAction<T1, T2> : LiveBinding<Action<T1, T2>>
{
    internal LiveAction(MethodIdentity? identity, Action<T1, T2> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public void Invoke(T1 arg1, T2 arg2) => Current(arg1, arg2);
}

/// <summary>A bound <see cref="Action{T1, T2, T3}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveAction<T1, T2, T3> : LiveBinding<Action<T1, T2, T3>>
{
    internal LiveAction(MethodIdentity? identity, Action<T1, T2, T3> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public void Invoke(T1 arg1, T2 arg2, T3 arg3) => Current(arg1, arg2, arg3);
}

/// <summary>A bound <see cref="Action{T1, T2, T3, T4}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveAction<T1, T2, T3, T4> : LiveBinding<Action<T1, T2, T3, T4>>
{
    internal LiveAction(MethodIdentity? identity, Action<T1, T2, T3, T4> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public void Invoke(T1 arg1, T2 arg2, T3 arg3, T4 arg4) => Current(arg1, arg2, arg3, arg4);
}

/// <summary>A bound <see cref="Func{TResult}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveFunc<TResult> : LiveBinding<Func<TResult>>
{
    internal LiveFunc(MethodIdentity? identity, Func<TResult> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public TResult Invoke() => Current();
}

/// <summary>A bound <see cref="Func{T1, TResult}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveFunc<T1, TResult> : LiveBinding<Func<T1, TResult>>
{
    internal LiveFunc(MethodIdentity? identity, Func<T1, TResult> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public TResult Invoke(T1 arg1) => Current(arg1);
}

/// <summary>A bound <see cref="Func{T1, T2, TResult}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveFunc<T1, T2, TResult> : LiveBinding<Func<T1, T2, TResult>>
{
    internal LiveFunc(MethodIdentity? identity, Func<T1, T2, TResult> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public TResult Invoke(T1 arg1, T2 arg2) => Current(arg1, arg2);
}

/// <summary>A bound <see cref="Func{T1, T2, T3, TResult}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveFunc<T1, T2, T3, TResult> : LiveBinding<Func<T1, T2, T3, TResult>>
{
    internal LiveFunc(MethodIdentity? identity, Func<T1, T2, T3, TResult> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public TResult Invoke(T1 arg1, T2 arg2, T3 arg3) => Current(arg1, arg2, arg3);
}

/// <summary>A bound <see cref="Func{T1, T2, T3, T4, TResult}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveFunc<T1, T2, T3, T4, TResult> : LiveBinding<Func<T1, T2, T3, T4, TResult>>
{
    internal LiveFunc(MethodIdentity? identity, Func<T1, T2, T3, T4, TResult> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public TResult Invoke(T1 arg1, T2 arg2, T3 arg3, T4 arg4) => Current(arg1, arg2, arg3, arg4);
}
