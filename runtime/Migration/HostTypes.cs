using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace HotReload.Runtime;

/// <summary>
/// Decides, for the host's own types (anything not of a generation), whether an object can lead to an object of the
/// library, so that migration walks only those. Answers depend on the host's types alone, so they are kept for the
/// process (the host's types never unload).
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal static class HostTypes
{
    private const BindingFlags InstanceFields = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    private static readonly ConcurrentDictionary<Type, bool> CanHoldCache = new();
    private static readonly ConcurrentDictionary<Assembly, bool> FrameworkAssemblies = new();
    private static readonly string? FrameworkDirectory = FrameworkDirectoryOf();

    /// <summary>
    /// Framework generic types whose fields migration may copy one by one when they are built on the library's types
    /// (<c>KeyValuePair&lt;string, Enemy&gt;</c>): plain data, no threads, no callbacks into the runtime. Collections are
    /// rebuilt through their own methods instead (<see cref="CollectionShape"/>).
    /// </summary>
    private static readonly HashSet<Type> FieldWiseFrameworkGenerics =
    [
        typeof(Nullable<>), typeof(KeyValuePair<,>), typeof(Lazy<>), typeof(System.Runtime.CompilerServices.StrongBox<>),
        typeof(Tuple<>), typeof(Tuple<,>), typeof(Tuple<,,>), typeof(Tuple<,,,>), typeof(Tuple<,,,,>), typeof(Tuple<,,,,,>), typeof(Tuple<,,,,,,>), typeof(Tuple<,,,,,,,>),
        typeof(ValueTuple<>), typeof(ValueTuple<,>), typeof(ValueTuple<,,>), typeof(ValueTuple<,,,>), typeof(ValueTuple<,,,,>), typeof(ValueTuple<,,,,,>), typeof(ValueTuple<,,,,,,>), typeof(ValueTuple<,,,,,,,>),
        typeof(System.Collections.ObjectModel.Collection<>), typeof(System.Collections.ObjectModel.ReadOnlyCollection<>),
        typeof(System.Collections.ObjectModel.ObservableCollection<>), typeof(System.Collections.ObjectModel.ReadOnlyDictionary<,>),
        typeof(PriorityQueue<,>), typeof(ArraySegment<>), typeof(Memory<>), typeof(ReadOnlyMemory<>),
    ];

    /// <summary>True for a type of the .NET shared framework (System.Private.CoreLib and its neighbours).</summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Live mode needs files on disk; a single-file host runs statically.")]
    public static bool IsFramework(Type type) =>
        !type.Assembly.IsCollectible // a generation's assembly: never kept here (it must be able to unload)
        && FrameworkAssemblies.GetOrAdd(type.Assembly, static a =>
            a == typeof(object).Assembly || (FrameworkDirectory is not null && !a.IsDynamic && a.Location.Length > 0
                                              && string.Equals(Path.GetDirectoryName(a.Location), FrameworkDirectory, StringComparison.OrdinalIgnoreCase)));

    /// <summary>A framework generic whose fields migration copies by name (see <see cref="FieldWiseFrameworkGenerics"/>).</summary>
    public static bool IsFieldWiseFramework(Type type) =>
        type.IsGenericType && FieldWiseFrameworkGenerics.Contains(type.GetGenericTypeDefinition());

    /// <summary>
    /// True when migration looks inside objects of this (host) type: a type of the host's own code, a known collection,
    /// an array, or a framework generic of <see cref="FieldWiseFrameworkGenerics"/>. Other framework objects (a thread, a
    /// timer, a task, a stream) are kept as they are and never walked.
    /// </summary>
    public static bool IsWalked(Type type) =>
        type.IsArray || !IsFramework(type) || IsFieldWiseFramework(type) || CollectionShape.IsKnown(type);

    /// <summary>A framework object that runs code (a thread, a timer, a task): it cannot move to new code.</summary>
    public static bool RunsCode(Type type) =>
        type == typeof(Thread) || type == typeof(Timer) || type == typeof(PeriodicTimer) || typeof(Task).IsAssignableFrom(type)
        || type.FullName == "System.Timers.Timer";

    /// <summary>
    /// True when an object of exactly <paramref name="type"/> (a host type) can refer to an object of the library
    /// through its fields, its elements or its comparer; false for strings, numbers, and types built only of such.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static bool CanHold(Type type)
    {
        if (CanHoldCache.TryGetValue(type, out var known))
        {
            return known;
        }

        CanHoldCache[type] = false; // a type that refers to itself: it holds the library only through other fields
        var holds = ComputeCanHold(type);
        CanHoldCache[type] = holds;
        return holds;
    }

    /// <summary>True when a field declared as <paramref name="declared"/> can refer to an object of the library.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static bool FieldMayHold(Type declared)
    {
        if (RunsCode(declared))
        {
            return true; // kept as is, but named in the swap's report
        }

        if (declared.IsPrimitive || declared.IsEnum || declared.IsPointer || declared == typeof(string) || declared == typeof(decimal))
        {
            return false;
        }

        if (declared.IsValueType || declared.IsArray || (declared.IsSealed && !typeof(Delegate).IsAssignableFrom(declared)))
        {
            return CanHold(declared); // its exact type is known: look inside
        }

        return true; // object, an interface, a delegate, or a class the library may derive from
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static bool ComputeCanHold(Type type)
    {
        if (type.IsPrimitive || type.IsEnum || type.IsPointer || type == typeof(string) || type == typeof(decimal))
        {
            return false;
        }

        if (typeof(Delegate).IsAssignableFrom(type))
        {
            return true;
        }

        if (type.IsArray)
        {
            return FieldMayHold(type.GetElementType()!);
        }

        if (CollectionShape.TryGet(type, out var shape))
        {
            return shape.ElementTypes.Any(FieldMayHold) || shape.ComparerType is not null;
        }

        if (!IsWalked(type))
        {
            return false;
        }

        for (var level = type; level is not null && level != typeof(object); level = level.BaseType)
        {
            foreach (var field in level.GetFields(InstanceFields))
            {
                if (FieldMayHold(field.FieldType))
                {
                    return true;
                }
            }
        }

        return false;
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Live mode needs files on disk; a single-file host runs statically.")]
    private static string? FrameworkDirectoryOf()
    {
        var location = typeof(object).Assembly.Location;
        return location.Length == 0 ? null : Path.GetDirectoryName(location);
    }
}
