using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace HotReload.Runtime;

/// <summary>One old field and the new field it becomes.</summary>
internal sealed record FieldPair(FieldInfo Old, FieldInfo New, Conversion Conversion);

/// <summary>
/// Matches the fields of an old type to those of its new counterpart: by name, level by level along the class chain
/// (an auto-property's backing field by the property's name, a renamed one through <see cref="RenamedFromAttribute"/>),
/// then a field that moved to another level by its unique name. Says what changed on the way.
/// </summary>
[RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
[RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
internal sealed class FieldPairing
{
    private const BindingFlags DeclaredInstance = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly;
    private const BindingFlags DeclaredStatic = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public List<FieldPair> Pairs { get; } = [];

    /// <summary>New fields with no old counterpart: they take their initializer's value.</summary>
    public List<FieldInfo> Added { get; } = [];

    /// <summary>Shape changes, for the swap's line: <c>Player.Hp int → long</c>.</summary>
    public List<string> Changes { get; } = [];

    /// <summary>Values that cannot be carried over, each with its code.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Pairs the instance fields of <paramref name="from"/> (all levels) with those of <paramref name="to"/>.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static FieldPairing Instance(MigrationCode code, Type from, Type to)
    {
        var pairing = new FieldPairing();
        var oldLevels = Chain(from);
        var newLevels = Chain(to);
        var report = Reported(to);
        if (report && from.BaseType is { } oldBase && to.BaseType is { } newBase && code.Types.Map(oldBase) != newBase)
        {
            pairing.Changes.Add($"{Conversion.NameOf(to)} now derives from {Conversion.NameOf(newBase)}");
        }

        var matched = new HashSet<FieldInfo>();
        var unmatchedNew = new List<(FieldInfo Field, Type Level)>();
        foreach (var level in newLevels)
        {
            var oldLevel = oldLevels.FirstOrDefault(l => code.Types.Map(l) == level);
            var oldFields = oldLevel?.GetFields(DeclaredInstance) ?? [];
            foreach (var field in level.GetFields(DeclaredInstance))
            {
                if (Find(field, oldFields, out var renamed) is { } old)
                {
                    pairing.Add(code, old, field, renamed, report);
                    matched.Add(old);
                }
                else
                {
                    unmatchedNew.Add((field, level));
                }
            }
        }

        // A field that moved to another level (a base class inserted under it): by its name, when only one level has it.
        var leftOver = oldLevels.SelectMany(l => l.GetFields(DeclaredInstance)).Where(f => !matched.Contains(f)).ToList();
        foreach (var (field, _) in unmatchedNew)
        {
            var candidates = leftOver.Where(f => Keys(field).Contains(GeneratedNames.MemberKey(f.Name))).ToList();
            if (candidates.Count == 1)
            {
                pairing.Add(code, candidates[0], field, renamed: false, report);
                leftOver.Remove(candidates[0]);
            }
            else
            {
                pairing.Added.Add(field);
            }
        }

        if (report)
        {
            foreach (var removed in leftOver)
            {
                pairing.Changes.Add($"{Conversion.NameOf(to)}.{DisplayName(removed)} removed");
            }
        }

        return pairing;
    }

    /// <summary>Pairs the fields of two structs (one level).</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static FieldPairing Struct(MigrationCode code, Type from, Type to) => Instance(code, from, to);

    /// <summary>
    /// Pairs the static fields that are written: not constants, not [ThreadStatic], not readonly in the new code (a
    /// readonly one keeps the new code's value, or has the old object migrated into it: <see cref="StateMigrator"/>).
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static FieldPairing Statics(MigrationCode code, Type from, Type to)
    {
        var pairing = new FieldPairing();
        var oldFields = from.GetFields(DeclaredStatic).Where(IsState).ToArray();
        var report = Reported(to);
        var matched = new HashSet<FieldInfo>();
        foreach (var field in to.GetFields(DeclaredStatic).Where(IsState))
        {
            if (Find(field, oldFields, out var renamed) is not { } old)
            {
                continue; // new: the new code's static initializer has set it
            }

            matched.Add(old);
            if (!field.IsInitOnly)
            {
                pairing.Add(code, old, field, renamed, report);
            }
        }

        if (report)
        {
            foreach (var removed in oldFields.Where(f => !matched.Contains(f)))
            {
                pairing.Changes.Add($"{Conversion.NameOf(to)}.{DisplayName(removed)} removed");
            }
        }

        return pairing;
    }

    /// <summary>A static field that holds state: not a constant, not per thread.</summary>
    public static bool IsState(FieldInfo field) => !field.IsLiteral && !field.IsDefined(typeof(ThreadStaticAttribute), inherit: false);

    /// <summary>The name to show: the property for a backing field, the parameter for a primary constructor's.</summary>
    public static string DisplayName(FieldInfo field)
    {
        var key = GeneratedNames.MemberKey(field.Name);
        return key.StartsWith('<') && key.EndsWith(">P", StringComparison.Ordinal) ? key[1..^2] : key;
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private void Add(MigrationCode code, FieldInfo old, FieldInfo field, bool renamed, bool report)
    {
        var owner = Conversion.NameOf(field.DeclaringType!);
        var where = $"{owner}.{DisplayName(field)}";
        var conversion = code.Classify(old.FieldType, field.FieldType, where);
        Pairs.Add(new FieldPair(old, field, conversion));
        if (!report)
        {
            return;
        }

        if (renamed)
        {
            Changes.Add($"{where} ← {DisplayName(old)}");
        }

        var mapped = code.Types.Map(old.FieldType);
        if (mapped != field.FieldType)
        {
            var retype = $"{where} {Conversion.NameOf(old.FieldType)} → {Conversion.NameOf(field.FieldType)}";
            if (conversion.Kind == ConversionKind.Reset)
            {
                Changes.Add(retype + " (reset)");
                Problems.Add($"HR2013: {retype} cannot carry its value over without loss; it starts at its initializer's value (or its default).");
            }
            else
            {
                Changes.Add(retype);
            }
        }
    }

    /// <summary>The old field a new one continues: by a <see cref="RenamedFromAttribute"/> first, then by name.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static FieldInfo? Find(FieldInfo field, FieldInfo[] oldFields, out bool renamed)
    {
        renamed = false;
        if (RenamedFrom(field) is { } oldName && Array.Find(oldFields, f => GeneratedNames.MemberKey(f.Name) == oldName) is { } byOldName)
        {
            renamed = true;
            return byOldName;
        }

        var key = GeneratedNames.MemberKey(field.Name);
        return Array.Find(oldFields, f => GeneratedNames.MemberKey(f.Name) == key);
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static IEnumerable<string> Keys(FieldInfo field) =>
        RenamedFrom(field) is { } oldName ? [oldName, GeneratedNames.MemberKey(field.Name)] : [GeneratedNames.MemberKey(field.Name)];

    /// <summary>The old name a field (or the auto-property it backs) declares with <see cref="RenamedFromAttribute"/>.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static string? RenamedFrom(FieldInfo field)
    {
        if (field.DeclaringType is not { } declaring || !RenamedFromAttribute.MayBeUsedIn(declaring.Assembly))
        {
            return null;
        }

        if (field.GetCustomAttribute<RenamedFromAttribute>(inherit: false) is { } onField)
        {
            return onField.OldName;
        }

        var key = GeneratedNames.MemberKey(field.Name);
        return key != field.Name
            && declaring.GetProperty(key, DeclaredInstance | DeclaredStatic) is { } property
            && property.GetCustomAttribute<RenamedFromAttribute>(inherit: false) is { } onProperty
            ? onProperty.OldName
            : null;
    }

    /// <summary>The class chain from <paramref name="type"/> down to (not including) object.</summary>
    private static List<Type> Chain(Type type)
    {
        var levels = new List<Type>();
        for (var level = type; level is not null && level != typeof(object) && level != typeof(ValueType); level = level.BaseType)
        {
            levels.Add(level);
        }

        return levels;
    }

    /// <summary>Changes are reported for the types the user wrote, not for the compiler's closures or the framework's collections.</summary>
    private static bool Reported(Type type) => !GenerationTypeMap.IsGenerated(type) && !HostTypes.IsFramework(type);
}
