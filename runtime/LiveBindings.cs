// The typed bindings, one per Action/Func shape with up to four arguments. Each adds only an Invoke method, so a
// Debug host never holds a collectible delegate in its own frame (which would keep that generation in memory).
namespace HotReload.Runtime;

/// <summary>A bound <see cref="Action"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveAction : LiveBinding<Action>
{
    internal LiveAction(MethodIdentity? identity, Action initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public void Invoke() => Current();

    private protected override Action Guard(Action inner, int generation, IFaultHandler faults) => () =>
    {
        try
        {
            inner();
            return;
        }
        catch (Exception e) when (faults.CanRollBack(generation))
        {
            if (!faults.RollBack(Name, generation, e))
            {
                throw;
            }
        }

        Current();
    };
}

/// <summary>A bound <see cref="Action{T1}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveAction<T1> : LiveBinding<Action<T1>>
{
    internal LiveAction(MethodIdentity? identity, Action<T1> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public void Invoke(T1 arg1) => Current(arg1);

    private protected override Action<T1> Guard(Action<T1> inner, int generation, IFaultHandler faults) => arg1 =>
    {
        try
        {
            inner(arg1);
            return;
        }
        catch (Exception e) when (faults.CanRollBack(generation))
        {
            if (!faults.RollBack(Name, generation, e))
            {
                throw;
            }
        }

        Current(arg1);
    };
}

/// <summary>A bound <see cref="Action{T1, T2}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveAction<T1, T2> : LiveBinding<Action<T1, T2>>
{
    internal LiveAction(MethodIdentity? identity, Action<T1, T2> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public void Invoke(T1 arg1, T2 arg2) => Current(arg1, arg2);

    private protected override Action<T1, T2> Guard(Action<T1, T2> inner, int generation, IFaultHandler faults) => (arg1, arg2) =>
    {
        try
        {
            inner(arg1, arg2);
            return;
        }
        catch (Exception e) when (faults.CanRollBack(generation))
        {
            if (!faults.RollBack(Name, generation, e))
            {
                throw;
            }
        }

        Current(arg1, arg2);
    };
}

/// <summary>A bound <see cref="Action{T1, T2, T3}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveAction<T1, T2, T3> : LiveBinding<Action<T1, T2, T3>>
{
    internal LiveAction(MethodIdentity? identity, Action<T1, T2, T3> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public void Invoke(T1 arg1, T2 arg2, T3 arg3) => Current(arg1, arg2, arg3);

    private protected override Action<T1, T2, T3> Guard(Action<T1, T2, T3> inner, int generation, IFaultHandler faults) => (arg1, arg2, arg3) =>
    {
        try
        {
            inner(arg1, arg2, arg3);
            return;
        }
        catch (Exception e) when (faults.CanRollBack(generation))
        {
            if (!faults.RollBack(Name, generation, e))
            {
                throw;
            }
        }

        Current(arg1, arg2, arg3);
    };
}

/// <summary>A bound <see cref="Action{T1, T2, T3, T4}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveAction<T1, T2, T3, T4> : LiveBinding<Action<T1, T2, T3, T4>>
{
    internal LiveAction(MethodIdentity? identity, Action<T1, T2, T3, T4> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public void Invoke(T1 arg1, T2 arg2, T3 arg3, T4 arg4) => Current(arg1, arg2, arg3, arg4);

    private protected override Action<T1, T2, T3, T4> Guard(Action<T1, T2, T3, T4> inner, int generation, IFaultHandler faults) => (arg1, arg2, arg3, arg4) =>
    {
        try
        {
            inner(arg1, arg2, arg3, arg4);
            return;
        }
        catch (Exception e) when (faults.CanRollBack(generation))
        {
            if (!faults.RollBack(Name, generation, e))
            {
                throw;
            }
        }

        Current(arg1, arg2, arg3, arg4);
    };
}

/// <summary>A bound <see cref="Func{TResult}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveFunc<TResult> : LiveBinding<Func<TResult>>
{
    internal LiveFunc(MethodIdentity? identity, Func<TResult> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public TResult Invoke() => Current();

    private protected override Func<TResult> Guard(Func<TResult> inner, int generation, IFaultHandler faults) => () =>
    {
        try
        {
            return inner();
        }
        catch (Exception e) when (faults.CanRollBack(generation))
        {
            if (!faults.RollBack(Name, generation, e))
            {
                throw;
            }
        }

        return Current();
    };
}

/// <summary>A bound <see cref="Func{T1, TResult}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveFunc<T1, TResult> : LiveBinding<Func<T1, TResult>>
{
    internal LiveFunc(MethodIdentity? identity, Func<T1, TResult> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public TResult Invoke(T1 arg1) => Current(arg1);

    private protected override Func<T1, TResult> Guard(Func<T1, TResult> inner, int generation, IFaultHandler faults) => arg1 =>
    {
        try
        {
            return inner(arg1);
        }
        catch (Exception e) when (faults.CanRollBack(generation))
        {
            if (!faults.RollBack(Name, generation, e))
            {
                throw;
            }
        }

        return Current(arg1);
    };
}

/// <summary>A bound <see cref="Func{T1, T2, TResult}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveFunc<T1, T2, TResult> : LiveBinding<Func<T1, T2, TResult>>
{
    internal LiveFunc(MethodIdentity? identity, Func<T1, T2, TResult> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public TResult Invoke(T1 arg1, T2 arg2) => Current(arg1, arg2);

    private protected override Func<T1, T2, TResult> Guard(Func<T1, T2, TResult> inner, int generation, IFaultHandler faults) => (arg1, arg2) =>
    {
        try
        {
            return inner(arg1, arg2);
        }
        catch (Exception e) when (faults.CanRollBack(generation))
        {
            if (!faults.RollBack(Name, generation, e))
            {
                throw;
            }
        }

        return Current(arg1, arg2);
    };
}

/// <summary>A bound <see cref="Func{T1, T2, T3, TResult}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveFunc<T1, T2, T3, TResult> : LiveBinding<Func<T1, T2, T3, TResult>>
{
    internal LiveFunc(MethodIdentity? identity, Func<T1, T2, T3, TResult> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public TResult Invoke(T1 arg1, T2 arg2, T3 arg3) => Current(arg1, arg2, arg3);

    private protected override Func<T1, T2, T3, TResult> Guard(Func<T1, T2, T3, TResult> inner, int generation, IFaultHandler faults) => (arg1, arg2, arg3) =>
    {
        try
        {
            return inner(arg1, arg2, arg3);
        }
        catch (Exception e) when (faults.CanRollBack(generation))
        {
            if (!faults.RollBack(Name, generation, e))
            {
                throw;
            }
        }

        return Current(arg1, arg2, arg3);
    };
}

/// <summary>A bound <see cref="Func{T1, T2, T3, T4, TResult}"/> entry point: <c>Invoke</c> calls the live generation with no allocation.</summary>
public sealed class LiveFunc<T1, T2, T3, T4, TResult> : LiveBinding<Func<T1, T2, T3, T4, TResult>>
{
    internal LiveFunc(MethodIdentity? identity, Func<T1, T2, T3, T4, TResult> initial) : base(identity, initial) { }

    /// <summary>Calls the entry point in the live generation.</summary>
    public TResult Invoke(T1 arg1, T2 arg2, T3 arg3, T4 arg4) => Current(arg1, arg2, arg3, arg4);

    private protected override Func<T1, T2, T3, T4, TResult> Guard(Func<T1, T2, T3, T4, TResult> inner, int generation, IFaultHandler faults) => (arg1, arg2, arg3, arg4) =>
    {
        try
        {
            return inner(arg1, arg2, arg3, arg4);
        }
        catch (Exception e) when (faults.CanRollBack(generation))
        {
            if (!faults.RollBack(Name, generation, e))
            {
                throw;
            }
        }

        return Current(arg1, arg2, arg3, arg4);
    };
}
