using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace HotReload.Runtime;

/// <summary>
/// A framework collection that migration rebuilds through its own methods rather than field by field: a hashed or
/// sorted one must hash and compare its keys again once they are the new generation's objects, and any of them may
/// have to leave out an element whose type is gone. One instance describes one closed type, such as
/// <c>Dictionary&lt;string, Enemy&gt;</c>.
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class CollectionShape
{
    private const BindingFlags Public = BindingFlags.Public | BindingFlags.Instance;

    private enum Comparing { None, Equality, Ordering }

    /// <summary>The known collections: how each is built, filled and read.</summary>
    private static readonly Dictionary<Type, (bool Keyed, bool Reversed, bool Rehashes, Comparing Comparer, bool CapacityFirst, string Add)> Known = new()
    {
        [typeof(List<>)] = (false, false, false, Comparing.None, true, "Add"),
        [typeof(LinkedList<>)] = (false, false, false, Comparing.None, false, "AddLast"),
        [typeof(Queue<>)] = (false, false, false, Comparing.None, true, "Enqueue"),
        [typeof(Stack<>)] = (false, true, false, Comparing.None, true, "Push"),
        [typeof(HashSet<>)] = (false, false, true, Comparing.Equality, true, "Add"),
        [typeof(SortedSet<>)] = (false, false, true, Comparing.Ordering, false, "Add"),
        [typeof(Dictionary<,>)] = (true, false, true, Comparing.Equality, true, "TryAdd"),
        [typeof(SortedDictionary<,>)] = (true, false, true, Comparing.Ordering, false, "Add"),
        [typeof(SortedList<,>)] = (true, false, true, Comparing.Ordering, true, "Add"),
        [typeof(ConcurrentDictionary<,>)] = (true, false, true, Comparing.Equality, false, "TryAdd"),
        [typeof(ConcurrentQueue<>)] = (false, false, false, Comparing.None, false, "Enqueue"),
        [typeof(ConcurrentStack<>)] = (false, true, false, Comparing.None, false, "Push"),
        [typeof(ConcurrentBag<>)] = (false, false, false, Comparing.None, false, "Add"),
    };

    private CollectionShape(Type type, bool keyed, bool reversed, bool rehashes, Comparing comparing, bool capacityFirst, string add)
    {
        Type = type;
        var arguments = type.GetGenericArguments();
        ElementTypes = arguments;
        IsKeyed = keyed;
        IsReversed = reversed;
        Rehashes = rehashes;
        ElementType = keyed ? typeof(KeyValuePair<,>).MakeGenericType(arguments) : arguments[0];
        ComparerType = comparing switch
        {
            Comparing.Equality => typeof(IEqualityComparer<>).MakeGenericType(arguments[0]),
            Comparing.Ordering => typeof(IComparer<>).MakeGenericType(arguments[0]),
            _ => null,
        };
        DefaultComparer = comparing switch
        {
            Comparing.Equality => typeof(EqualityComparer<>).MakeGenericType(arguments[0]).GetProperty("Default")!.GetMethod!,
            Comparing.Ordering => typeof(Comparer<>).MakeGenericType(arguments[0]).GetProperty("Default")!.GetMethod!,
            _ => null,
        };
        GetComparer = ComparerType is null ? null : type.GetProperty("Comparer", Public)!.GetMethod!;

        var parameters = new List<Type>();
        if (capacityFirst)
        {
            parameters.Add(typeof(int));
        }

        if (ComparerType is not null)
        {
            parameters.Add(ComparerType);
        }

        Constructor = type.GetConstructor(parameters.ToArray())!;
        Add = keyed ? type.GetMethod(add, Public, ElementTypes)! : type.GetMethod(add, Public, [ElementType])!;
        ContainsKey = keyed && add == "Add" ? type.GetMethod("ContainsKey", Public, [ElementTypes[0]]) : null;
        Clear = type.GetMethod("Clear", Public, Type.EmptyTypes)!;
        Count = type.GetProperty("Count", Public)!.GetMethod!;
        ToArray = reversed ? type.GetMethod("ToArray", Public, Type.EmptyTypes) : null;
        GetEnumerator = type.GetMethod("GetEnumerator", Public, Type.EmptyTypes)!;
        var enumerator = GetEnumerator.ReturnType;
        var enumeratorInterface = typeof(IEnumerator<>).MakeGenericType(ElementType);
        Current = (enumerator.IsInterface ? enumeratorInterface : enumerator).GetProperty("Current", Public)!.GetMethod!;
        MoveNext = enumerator.IsInterface ? typeof(System.Collections.IEnumerator).GetMethod("MoveNext")! : enumerator.GetMethod("MoveNext", Public, Type.EmptyTypes)!;
    }

    /// <summary>The closed collection type.</summary>
    public Type Type { get; }

    /// <summary>Its type arguments: <c>[T]</c>, or <c>[TKey, TValue]</c>.</summary>
    public Type[] ElementTypes { get; }

    /// <summary>What enumerating it gives: <c>T</c>, or <c>KeyValuePair&lt;TKey, TValue&gt;</c>.</summary>
    public Type ElementType { get; }

    /// <summary>A dictionary: <see cref="Add"/> takes a key and a value.</summary>
    public bool IsKeyed { get; }

    /// <summary>A stack: it enumerates from the top, so it is rebuilt from the bottom of <see cref="ToArray"/>.</summary>
    public bool IsReversed { get; }

    /// <summary>Hashed or sorted: filled only once every key is complete, since hashing and comparing read the key.</summary>
    public bool Rehashes { get; }

    /// <summary><c>IEqualityComparer&lt;TKey&gt;</c> or <c>IComparer&lt;TKey&gt;</c>, when the collection takes one.</summary>
    public Type? ComparerType { get; }

    public MethodInfo? DefaultComparer { get; }

    public MethodInfo? GetComparer { get; }

    /// <summary>Takes (capacity) and/or (comparer), as the collection allows.</summary>
    public ConstructorInfo Constructor { get; }

    public bool ConstructorTakesCapacity => Constructor.GetParameters() is [{ ParameterType: var first }, ..] && first == typeof(int);

    public MethodInfo Add { get; }

    /// <summary>For a dictionary whose Add throws on a key already there: checked first, and the duplicate left out.</summary>
    public MethodInfo? ContainsKey { get; }

    public MethodInfo Clear { get; }

    public MethodInfo Count { get; }

    public MethodInfo? ToArray { get; }

    public MethodInfo GetEnumerator { get; }

    public MethodInfo MoveNext { get; }

    public MethodInfo Current { get; }

    public static bool IsKnown(Type type) => type.IsConstructedGenericType && Known.ContainsKey(type.GetGenericTypeDefinition());

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static bool TryGet(Type type, [NotNullWhen(true)] out CollectionShape? shape)
    {
        shape = null;
        if (!type.IsConstructedGenericType || !Known.TryGetValue(type.GetGenericTypeDefinition(), out var known))
        {
            return false;
        }

        shape = new CollectionShape(type, known.Keyed, known.Reversed, known.Rehashes, known.Comparer, known.CapacityFirst, known.Add);
        return true;
    }
}
