using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;

namespace HotReload.Runtime;

/// <summary>
/// Finds, for a type of the old generation, the type that stands for it in the new one: by full name (in the library's
/// assembly or a private dependency loaded beside it), by <see cref="RenamedFromAttribute"/>, and for the compiler's
/// closure classes through the method they belong to. Constructed generic types and arrays are mapped part by part, so
/// <c>List&lt;Enemy&gt;</c> of generation 3 becomes <c>List&lt;Enemy&gt;</c> of generation 4. A type that involves
/// nothing of the old generation is its own counterpart.
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class GenerationTypeMap
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    private readonly AssemblyLoadContext? _fromContext;
    private readonly Dictionary<Type, bool> _involves = [];
    private readonly Dictionary<Type, Type?> _map = [];
    private readonly Dictionary<Type, string> _whyNot = [];
    private readonly Dictionary<Type, GeneratedMembers> _generated = [];
    private Dictionary<string, Type>? _renamedTypes;

    public GenerationTypeMap(Assembly from, Assembly to)
    {
        From = from;
        To = to;
        _fromContext = AssemblyLoadContext.GetLoadContext(from);
        ToContext = AssemblyLoadContext.GetLoadContext(to);
    }

    public Assembly From { get; }

    public Assembly To { get; }

    public AssemblyLoadContext? ToContext { get; }

    /// <summary>True for a type of the old generation, or one built from one (a generic argument, an array's element).</summary>
    public bool Involves(Type type)
    {
        if (_involves.TryGetValue(type, out var involves))
        {
            return involves;
        }

        involves = type.HasElementType ? Involves(type.GetElementType()!)
            : type.IsGenericParameter ? false
            : AssemblyLoadContext.GetLoadContext(type.Assembly) == _fromContext
              || (type.IsConstructedGenericType && type.GetGenericArguments().Any(Involves));
        _involves[type] = involves;
        return involves;
    }

    /// <summary>The new generation's counterpart of <paramref name="type"/>, or null when it has none (see <see cref="WhyNot"/>).</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public Type? Map(Type type)
    {
        if (!Involves(type))
        {
            return type;
        }

        if (_map.TryGetValue(type, out var mapped))
        {
            return mapped;
        }

        _map[type] = null; // a type that refers to itself through its generic arguments cannot loop
        mapped = MapUncached(type);
        _map[type] = mapped;
        if (mapped is null)
        {
            _whyNot.TryAdd(type, "it is gone from the new code");
        }

        return mapped;
    }

    /// <summary>Why <see cref="Map"/> found no counterpart, for a message.</summary>
    public string WhyNot(Type type) => _whyNot.TryGetValue(type, out var why) ? why : "it is gone from the new code";

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private Type? MapUncached(Type type)
    {
        if (type.IsArray)
        {
            var element = Map(type.GetElementType()!);
            return element is null ? null : type.IsSZArray ? element.MakeArrayType() : element.MakeArrayType(type.GetArrayRank());
        }

        if (type.IsByRef || type.IsPointer)
        {
            var element = Map(type.GetElementType()!);
            return element is null ? null : type.IsByRef ? element.MakeByRefType() : element.MakePointerType();
        }

        if (type.IsConstructedGenericType)
        {
            var definition = Map(type.GetGenericTypeDefinition());
            var arguments = type.GetGenericArguments().Select(Map).ToArray();
            if (definition is null || arguments.Any(a => a is null))
            {
                return null;
            }

            try
            {
                return definition.MakeGenericType(arguments!);
            }
            catch (ArgumentException)
            {
                _whyNot[type] = "its generic arguments no longer meet the constraints";
                return null;
            }
        }

        if (IsGenerated(type))
        {
            return MapGenerated(type);
        }

        var assembly = Counterpart(type.Assembly);
        return assembly?.GetType(type.FullName!, throwOnError: false) ?? Renamed(type);
    }

    /// <summary>The new generation's assembly for one of the old: the library itself, or a private dependency of the same name.</summary>
    private Assembly? Counterpart(Assembly assembly)
    {
        if (assembly == From)
        {
            return To;
        }

        var name = assembly.GetName().Name;
        foreach (var candidate in ToContext?.Assemblies ?? [])
        {
            if (string.Equals(candidate.GetName().Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        try
        {
            return ToContext?.LoadFromAssemblyName(assembly.GetName());
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private Type? Renamed(Type type)
    {
        if (_renamedTypes is null)
        {
            _renamedTypes = new Dictionary<string, Type>(StringComparer.Ordinal);
            if (RenamedFromAttribute.MayBeUsedIn(To))
            {
                foreach (var candidate in LoadableTypes(To))
                {
                    if (candidate.GetCustomAttribute<RenamedFromAttribute>(inherit: false) is { } renamed)
                    {
                        _renamedTypes.TryAdd(renamed.OldName, candidate);
                    }
                }
            }
        }

        return _renamedTypes.TryGetValue(type.FullName!, out var byFullName) ? byFullName
            : !type.IsNested && _renamedTypes.TryGetValue(type.Name, out var byName) ? byName
            : null;
    }

    /// <summary>A closure class or the lambda singleton, through the method it belongs to; null for a state machine.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private Type? MapGenerated(Type type)
    {
        var owner = UserTypeOf(type);
        var newOwner = owner is null ? null : Map(owner);
        if (owner is null || newOwner is null)
        {
            return null;
        }

        if (GeneratedNames.TryParseStateMachine(type.Name, out var method))
        {
            _whyNot[type] = $"it is an iterator or async method in flight ({owner.FullName}.{method}), which cannot move to new code";
            return null;
        }

        if (type.Name == GeneratedNames.LambdaSingletonClass)
        {
            return newOwner.GetNestedType(type.Name, BindingFlags.NonPublic | BindingFlags.Public);
        }

        if (GeneratedNames.TryParseClosureClass(type.Name, out var ordinal, out var closure)
            && MembersOf(owner).MethodOf(ordinal) is { } oldMethod
            && CounterpartMethod(oldMethod, newOwner) is { } newMethod
            && MembersOf(newOwner).OrdinalOf(newMethod) is var newOrdinal and >= 0)
        {
            return MembersOf(newOwner).ClosureClass(newOrdinal, closure);
        }

        _whyNot[type] = "its method no longer captures those variables";
        return null;
    }

    /// <summary>
    /// The new generation's counterpart of a method of the old one: a lambda or local function through the method it is
    /// written in; any other method by name and mapped parameter types. Null when it is gone.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public MethodInfo? MapMethod(MethodInfo method)
    {
        var declaring = method.DeclaringType;
        if (declaring is null || !Involves(declaring) && !method.IsGenericMethod)
        {
            return method;
        }

        if (method.IsGenericMethod && !method.IsGenericMethodDefinition)
        {
            var definition = MapMethod(method.GetGenericMethodDefinition());
            var arguments = method.GetGenericArguments().Select(Map).ToArray();
            if (definition is null || arguments.Any(a => a is null))
            {
                return null;
            }

            try
            {
                return definition.MakeGenericMethod(arguments!);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        var newDeclaring = Map(declaring);
        if (newDeclaring is null)
        {
            return null;
        }

        if (GeneratedNames.TryParseFunction(method.Name, out var function) && UserTypeOf(declaring.IsGenericType ? declaring.GetGenericTypeDefinition() : declaring) is { } owner)
        {
            return MapFunction(owner, declaring, function, newDeclaring);
        }

        return CounterpartMethod(method, newDeclaring) as MethodInfo;
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private MethodInfo? MapFunction(Type owner, Type declaring, GeneratedFunction function, Type newDeclaring)
    {
        var newOwner = Map(owner);
        if (newOwner is null)
        {
            return null;
        }

        var ordinal = function.MethodOrdinal >= 0 ? function.MethodOrdinal
            : GeneratedNames.TryParseClosureClass(declaring.Name, out var closureMethod, out _) ? closureMethod : -1;
        var oldMethod = ordinal >= 0 ? MembersOf(owner).MethodOf(ordinal) : null;
        var newMethod = oldMethod is null ? null : CounterpartMethod(oldMethod, newOwner);
        var newOrdinal = newMethod is null ? -1 : MembersOf(newOwner).OrdinalOf(newMethod);
        var found = newOrdinal >= 0 ? MembersOf(newOwner).FindFunction(newOrdinal, function) : null;
        if (found is null)
        {
            return null;
        }

        // In a generic type the generated class is generic too: close it as the old one was.
        if (found.DeclaringType is { IsGenericTypeDefinition: true } open && newDeclaring.IsConstructedGenericType
            && open.GetGenericArguments().Length == newDeclaring.GetGenericArguments().Length)
        {
            var closed = open.MakeGenericType(newDeclaring.GetGenericArguments());
            return closed.GetMethod(found.Name, Declared);
        }

        return found;
    }

    /// <summary>The method of <paramref name="newType"/> with the same name and the old one's parameter types, mapped.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public MethodBase? CounterpartMethod(MethodBase method, Type newType)
    {
        var candidates = (method is ConstructorInfo
                ? newType.GetConstructors(Declared).Cast<MethodBase>()
                : newType.GetMethods(Declared).Where(m => m.Name == method.Name))
            .Where(m => m.IsStatic == method.IsStatic && m.GetParameters().Length == method.GetParameters().Length)
            .ToList();
        if (candidates.Count <= 1)
        {
            return candidates.FirstOrDefault();
        }

        var parameters = method.GetParameters().Select(p => Map(p.ParameterType)).ToArray();
        return candidates.FirstOrDefault(c => c.GetParameters().Select(p => p.ParameterType).SequenceEqual(parameters));
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public GeneratedMembers MembersOf(Type userType)
    {
        if (!_generated.TryGetValue(userType, out var members))
        {
            _generated[userType] = members = new GeneratedMembers(userType);
        }

        return members;
    }

    /// <summary>The type the user wrote that a generated class is nested in; the type itself when it is not generated.</summary>
    public static Type? UserTypeOf(Type type)
    {
        var current = type;
        while (current is not null && IsGenerated(current))
        {
            current = current.DeclaringType;
        }

        return current;
    }

    public static bool IsGenerated(Type type) => type.IsNested && GeneratedNames.IsGenerated(type.Name);

    /// <summary>The types of an assembly that load; a type whose base is missing is left out.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static Type[] LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.Where(t => t is not null).ToArray()!;
        }
    }
}
