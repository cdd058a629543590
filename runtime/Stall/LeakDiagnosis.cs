using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;

namespace HotReload.Runtime;

/// <summary>
/// The fallback of <see cref="StallDiagnosis"/>, where the host's heap cannot be read from outside: looks for what keeps
/// a released generation in memory among the holders the runtime can see from inside the process: handlers of static events (and other static delegate fields) of the host's own assemblies and of a few
/// framework types, and timers (System.Threading.Timer, PeriodicTimer, Task.Delay) whose callback or state belongs to
/// the generation. Threads, GCHandles and caches cannot be enumerated in-process; the stall message names them as the
/// usual causes instead. Runs on the tracker's thread, only once a generation has stalled.
/// </summary>
internal static class LeakDiagnosis
{
    private const BindingFlags StaticFields = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
    private const BindingFlags InstanceFields = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
    private const int MostCauses = 5;

    // Framework types whose static events a generation typically subscribes to and forgets.
    private static readonly Type[] FrameworkEventOwners =
        [typeof(AppContext), typeof(Console), typeof(System.Threading.Tasks.TaskScheduler), typeof(AssemblyLoadContext)];

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static IReadOnlyList<StallCause> FindHolders(AssemblyLoadContext generation)
    {
        var causes = new List<StallCause>();
        try
        {
            foreach (var type in TypesToScan(generation))
            {
                foreach (var field in type.GetFields(StaticFields))
                {
                    if (causes.Count >= MostCauses)
                    {
                        return causes;
                    }

                    if (typeof(Delegate).IsAssignableFrom(field.FieldType) && !field.FieldType.ContainsGenericParameters
                        && TryRead(field, null) is Delegate handlers && FirstIn(handlers, generation) is { } handler)
                    {
                        causes.Add(Handler(IsEvent(field) ? "static event" : "static delegate field", $"{type.FullName}.{EventName(field)}", handler));
                    }
                }
            }

            // Instance events of the default context itself (Resolving, Unloading, ...).
            foreach (var field in typeof(AssemblyLoadContext).GetFields(InstanceFields))
            {
                if (typeof(Delegate).IsAssignableFrom(field.FieldType) && TryRead(field, AssemblyLoadContext.Default) is Delegate handlers
                    && FirstIn(handlers, generation) is { } handler && causes.Count < MostCauses)
                {
                    causes.Add(Handler("event", $"AssemblyLoadContext.Default.{EventName(field)}", handler));
                }
            }

            foreach (var timer in TimersOf(generation))
            {
                if (causes.Count >= MostCauses)
                {
                    break;
                }

                causes.Add(timer);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A diagnosis must never take the tracker down; report what was found so far.
        }

        return causes;
    }

    /// <summary>
    /// The host's own assemblies that the generation references (a handler can only be added to an event the
    /// generation's code can name) and the host's entry assembly, not the framework's; then the framework's usual event
    /// owners. Reading a static field runs its type's initializer if it has not run yet, so no other type is read.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "In a single-file host no location is known and every assembly is scanned: slower, still correct.")]
    private static IEnumerable<Type> TypesToScan(AssemblyLoadContext generation)
    {
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location);
        var referenced = generation.Assemblies.SelectMany(a => a.GetReferencedAssemblies()).Select(n => n.Name)
            .Append(Assembly.GetEntryAssembly()?.GetName().Name).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var assembly in AssemblyLoadContext.Default.Assemblies)
        {
            if (assembly.IsDynamic || assembly == typeof(LeakDiagnosis).Assembly || !referenced.Contains(assembly.GetName().Name ?? "")
                || (frameworkDirectory is not null && Path.GetDirectoryName(assembly.Location) == frameworkDirectory))
            {
                continue;
            }

            Type?[] types;
            try
            {
                types = assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException e)
            {
                types = e.Types;
            }

            foreach (var type in types)
            {
                if (type is not null && !type.ContainsGenericParameters)
                {
                    yield return type;
                }
            }
        }

        foreach (var type in FrameworkEventOwners)
        {
            yield return type;
        }
    }

    /// <summary>
    /// Timers whose callback or state belongs to the generation. The timer queue is internal to CoreLib, so this reads it by
    /// name and finds nothing (rather than failing) if a future runtime lays it out differently.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static IEnumerable<StallCause> TimersOf(AssemblyLoadContext generation)
    {
        var queueType = typeof(Timer).Assembly.GetType("System.Threading.TimerQueue");
        var timerType = typeof(Timer).Assembly.GetType("System.Threading.TimerQueueTimer");
        var instances = queueType?.GetProperty("Instances", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null) as Array;
        var list = queueType?.GetMethod("GetTimersForDebugger", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance);
        var callbackField = timerType?.GetField("_timerCallback", InstanceFields);
        var stateField = timerType?.GetField("_state", InstanceFields);
        if (instances is null || list is null || callbackField is null || stateField is null)
        {
            yield break;
        }

        foreach (var queue in instances)
        {
            // The queue is being changed by other threads; a snapshot that fails is skipped rather than locked.
            List<object> timers;
            try
            {
                timers = (list.Invoke(queue, null) as IEnumerable)?.Cast<object>().ToList() ?? [];
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                continue;
            }

            foreach (var timer in timers)
            {
                var callback = callbackField.GetValue(timer) as Delegate;
                var state = stateField.GetValue(timer);
                if (callback is not null && FirstIn(callback, generation) is { } handler)
                {
                    yield return Timer("a System.Threading.Timer", Describe(handler));
                }
                else if (state is not null && BelongsTo(state.GetType(), generation))
                {
                    yield return Timer("a System.Threading.Timer", $"a {state.GetType().FullName} of the generation");
                }
                else if (state is Delegate stateDelegate && FirstIn(stateDelegate, generation) is { } continuation)
                {
                    yield return Timer("a Task.Delay or PeriodicTimer", Describe(continuation));
                }
            }
        }
    }

    private static Delegate? FirstIn(Delegate handlers, AssemblyLoadContext generation)
    {
        foreach (var handler in handlers.GetInvocationList())
        {
            if (BelongsTo(handler.Method.DeclaringType, generation) || (handler.Target is { } target && BelongsTo(target.GetType(), generation)))
            {
                return handler;
            }
        }

        return null;
    }

    private static bool BelongsTo(Type? type, AssemblyLoadContext generation) =>
        type is not null && AssemblyLoadContext.GetLoadContext(type.Assembly) == generation;

    private static object? TryRead(FieldInfo field, object? owner)
    {
        try
        {
            return field.GetValue(owner);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null; // a type whose initializer fails, a field that cannot be read: not a holder we can name
        }
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static bool IsEvent(FieldInfo field) => field.DeclaringType?.GetEvent(EventName(field), StaticFields | InstanceFields) is not null;

    // The C# compiler names an event's field after the event; the framework often prefixes it (s_ or _).
    private static string EventName(FieldInfo field) => field.Name.StartsWith("s_", StringComparison.Ordinal) ? field.Name[2..] : field.Name.TrimStart('_');

    /// <summary>The method as the user wrote it: <c>a delegate to Game.Logic.OnTick</c>, or <c>a delegate to a lambda in Game.Logic.Start</c>.</summary>
    private static string Describe(Delegate handler) => "a delegate to " + MethodNames.Describe(handler.Method);

    private static StallCause Handler(string what, string root, Delegate handler)
    {
        var path = new[] { root, Describe(handler) };
        return new StallCause(StallRootKind.StaticEvent, root, path, null,
            $"the {what} {string.Join(StallProtocol.PathSeparator, path)}{StallProtocol.Hint(StallProtocol.Kinds.StaticEvent)}");
    }

    private static StallCause Timer(string root, string end)
    {
        var path = new[] { root, end };
        return new StallCause(StallRootKind.Timer, root, path, null, $"{string.Join(StallProtocol.PathSeparator, path)}{StallProtocol.Hint(StallProtocol.Kinds.Timer)}");
    }
}
