using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;

namespace HotReload.Runtime;

/// <summary>
/// A delegate (a stored lambda, an event's handlers): each method it calls follows into the new generation (a lambda
/// through the method it is written in), its target is migrated (a closure keeps its captured values), and a multicast
/// delegate is rebuilt handler by handler. A method that is gone becomes a stub that throws <c>HR2015</c> naming it,
/// never a silent null. A delegate to the host's own code with a host target stays as it is.
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class DelegatePlan : TypePlan
{
    private readonly Type _type;
    private readonly Type? _newType;

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public DelegatePlan(Type type, GenerationTypeMap types)
    {
        _type = type;
        _newType = types.Map(type);
    }

    /// <summary>Handlers whose method is gone, as the user wrote them, with how many delegates called them.</summary>
    public Dictionary<string, int> Stubbed { get; } = [];

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only live mode migrates.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only live mode migrates.")]
    public override object? Begin(object old, StateMigrator migrator)
    {
        var handlers = ((Delegate)old).GetInvocationList();
        object? result;
        if (_newType is null)
        {
            result = null; // a delegate type of the library that is gone: nothing can hold it any more
        }
        else if (handlers.Length == 1)
        {
            result = MigrateOne(handlers[0], migrator);
        }
        else
        {
            var migrated = new Delegate?[handlers.Length];
            for (var i = 0; i < handlers.Length; i++)
            {
                migrated[i] = MigrateOne(handlers[i], migrator);
            }

            result = Delegate.Combine(migrated);
        }

        migrator.Register(old, result);
        return result;
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private Delegate? MigrateOne(Delegate handler, StateMigrator migrator)
    {
        var method = handler.Method;
        var target = handler.Target;
        var newMethod = migrator.Types.MapMethod(method);
        var newTarget = target is null ? null : migrator.Map(target);
        if (newMethod == method && ReferenceEquals(newTarget, target) && _newType == _type)
        {
            return handler; // the host's own code on a host object (the object itself may have been updated in place)
        }

        Delegate? created = null;
        if (newMethod is not null && (target is null || newTarget is not null))
        {
            created = newMethod.IsStatic && newTarget is null
                ? Delegate.CreateDelegate(_newType!, newMethod, throwOnBindFailure: false)
                : Delegate.CreateDelegate(_newType!, newTarget, newMethod, throwOnBindFailure: false);
        }

        if (created is not null)
        {
            return created;
        }

        var name = MethodNames.Describe(method);
        Stubbed[name] = Stubbed.GetValueOrDefault(name) + 1;
        return DelegateStub.Create(_newType!,
            $"HR2015: {name} (generation {migrator.FromGeneration}) is gone from generation {migrator.ToGeneration}, or no longer fits this delegate; the delegate, kept in the program's state, cannot run it any more. Assign it a new method.");
    }
}

/// <summary>The target of a delegate whose method is gone: calling it throws <see cref="HotReloadException"/> with the message.</summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class DelegateStub(string message)
{
    private static readonly MethodInfo FailMethod = typeof(DelegateStub).GetMethod(nameof(Fail), BindingFlags.Public | BindingFlags.Instance)!;

    public string Message { get; } = message;

    public Exception Fail() => new HotReloadException(Message);

    /// <summary>A delegate of <paramref name="type"/> that throws when called, whatever its parameters.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static Delegate Create(Type type, string message)
    {
        var invoke = type.GetMethod("Invoke")!;
        var parameters = invoke.GetParameters().Select(p => p.ParameterType).Prepend(typeof(DelegateStub)).ToArray();
        var method = MigrationCode.NewMethod("Gone " + type.Name, invoke.ReturnType, parameters);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Call, FailMethod);
        il.Emit(OpCodes.Throw);
        return method.CreateDelegate(type, new DelegateStub(message));
    }
}
