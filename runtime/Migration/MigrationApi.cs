using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace HotReload.Runtime;

/// <summary>
/// Names what a type, field, property or enum member of the reloadable library was called before, so that a swap
/// carries the old one's state over to it: <c>[RenamedFrom("Hp")] public long Health;</c>. A type is named by its full
/// name (<c>"Game.Foe"</c>) or, when it is not nested, its simple name. Read in live mode only.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Interface | AttributeTargets.Field | AttributeTargets.Property,
    AllowMultiple = false, Inherited = false)]
public sealed class RenamedFromAttribute(string oldName) : Attribute
{
    /// <summary>The name the member or type had in the generation before.</summary>
    public string OldName { get; } = oldName;

    /// <summary>A copy that names no type of HotReload.Runtime cannot use the attribute: its compiler drops unused references.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    internal static bool MayBeUsedIn(Assembly generation)
    {
        if (!ReferencesRuntime.TryGetValue(generation, out var answer))
        {
            var runtime = typeof(RenamedFromAttribute).Assembly.GetName().Name;
            answer = generation.GetReferencedAssemblies().Any(r => string.Equals(r.Name, runtime, StringComparison.OrdinalIgnoreCase));
            ReferencesRuntime.AddOrUpdate(generation, answer);
        }

        return (bool)answer;
    }

    // Weak keys: a generation's assembly is collectible, and this must not keep it.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Assembly, object> ReferencesRuntime = new();
}

/// <summary>
/// Marks a method of the reloadable library that a swap calls after it has carried the state over by name, for what
/// names alone cannot do (a field split in two, a value computed differently):
/// <list type="bullet">
/// <item>an instance method <c>void M(MigrationSource previous)</c> is called on every migrated object of its type, with the
/// object it replaces;</item>
/// <item>a static method <c>static void M(MigrationSource previous)</c> is called once, with the type's old static fields.</item>
/// </list>
/// The hooks run on the host's thread after the whole state has moved, before the new generation's
/// <see cref="OnGenerationLoadedAttribute"/> hooks. A hook that throws refuses the new copy (<c>HR2012</c>): the running
/// generation and its state stay as they were. Called in live mode only.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnMigratedAttribute : Attribute;

/// <summary>
/// The old object (or the old type's static fields) that an <see cref="OnMigratedAttribute"/> hook's object replaces.
/// Members are read by name: a field, or an auto-property by its property's name. Values come already migrated: an
/// object of the library is its new-generation counterpart. Valid only while the hook runs.
/// </summary>
public sealed class MigrationSource
{
    private const BindingFlags Fields = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    private readonly Type _type;
    private readonly Func<object?, object?> _migrate;
    private object? _object;
    private bool _valid = true;

    internal MigrationSource(Type type, object? instance, int generation, Func<object?, object?> migrate)
    {
        _type = type;
        _object = instance;
        _migrate = migrate;
        Generation = generation;
    }

    /// <summary>The old type's full name.</summary>
    public string TypeName => _type.FullName ?? _type.Name;

    /// <summary>The generation the old object comes from.</summary>
    public int Generation { get; }

    /// <summary>The old object itself (of the old generation's type), or null for a static hook.</summary>
    public object? Object => Valid() ? _object : null;

    /// <summary>True when the old object (or type) has a field, or auto-property, named <paramref name="member"/>.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only live mode creates a MigrationSource.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Only live mode creates a MigrationSource.")]
    public bool Has(string member) => Valid() && Find(member) is not null;

    /// <summary>The member's value, migrated (an object of the library comes as its new counterpart).</summary>
    /// <exception cref="MissingFieldException">The old object has no such member.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only live mode creates a MigrationSource.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Only live mode creates a MigrationSource.")]
    public object? Get(string member)
    {
        Valid();
        var field = Find(member) ?? throw new MissingFieldException($"{TypeName} (generation {Generation}) has no field or auto-property named '{member}'.");
        return _migrate(field.GetValue(field.IsStatic ? null : _object));
    }

    /// <summary>The member's value, migrated and converted to <typeparamref name="T"/> (numbers widen or narrow as <see cref="Convert"/> does).</summary>
    public T Get<T>(string member)
    {
        var value = Get(member);
        if (value is T typed)
        {
            return typed;
        }

        if (value is null)
        {
            return default!;
        }

        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return value is IConvertible && (target.IsPrimitive || target == typeof(decimal))
            ? (T)Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidCastException($"{TypeName}.{member} holds a {value.GetType().Name}, not a {typeof(T).Name}.");
    }

    internal void Invalidate()
    {
        _valid = false;
        _object = null;
    }

    private bool Valid() => _valid ? true : throw new InvalidOperationException("A MigrationSource is valid only while its [OnMigrated] hook runs.");

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private FieldInfo? Find(string member)
    {
        var flags = Fields | (_object is null ? BindingFlags.Static : BindingFlags.Instance);
        for (var type = _type; type is not null; type = type.BaseType)
        {
            foreach (var field in type.GetFields(flags))
            {
                if (GeneratedNames.MemberKey(field.Name) == member)
                {
                    return field;
                }
            }

            if (_object is null)
            {
                break; // static fields are the type's own
            }
        }

        return null;
    }
}

/// <summary>What a swap did to carry the state of the old generation over to the new one.</summary>
public sealed class MigrationReport
{
    internal MigrationReport(TimeSpan time, int objects, int types, int patched, IReadOnlyList<string> changes, IReadOnlyList<string> problems)
    {
        Time = time;
        Objects = objects;
        Types = types;
        Patched = patched;
        Changes = changes;
        Problems = problems;
    }

    /// <summary>Time spent on the host's thread, inside <see cref="ReloadableLibrary.Update"/>, to move the state.</summary>
    public TimeSpan Time { get; }

    /// <summary>Objects of the library recreated in the new generation (arrays and collections of its types included).</summary>
    public int Objects { get; }

    /// <summary>How many types those objects are of.</summary>
    public int Types { get; }

    /// <summary>Objects of the host (a tracked root, a host collection) whose references to the library were updated in place.</summary>
    public int Patched { get; }

    /// <summary>What changed shape, one entry each: <c>Enemy.Armor new = 5</c>, <c>Player.Hp int → long</c>, <c>Enemy.Old removed</c>.</summary>
    public IReadOnlyList<string> Changes { get; }

    /// <summary>What could not be carried over, each a line starting with its code (<c>HR2013</c>, <c>HR2014</c>, <c>HR2015</c>).</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>
    /// One short summary: <c>migrate 3.1: 12,408 objects of 9 types; Enemy.Armor new = 5; Player.Hp int → long</c>, or
    /// <c>migrate 0.1</c> when the library keeps no state of its own.
    /// </summary>
    public override string ToString()
    {
        var time = Time.TotalMilliseconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        if (Objects == 0 && Patched == 0 && Changes.Count == 0)
        {
            return "migrate " + time; // nothing of the library's own state to carry
        }

        var text = $"migrate {time}: {Objects.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} object{(Objects == 1 ? "" : "s")} of {Types} type{(Types == 1 ? "" : "s")}";
        if (Patched > 0)
        {
            text += $", {Patched.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} of the host's updated";
        }

        return Changes.Count == 0 ? text : text + "; " + string.Join("; ", Changes);
    }
}
