using HotReload.Runtime;
using Microsoft.Diagnostics.Runtime;

namespace HotReload.Diagnosis;

/// <summary>Types, methods, objects and threads as the user wrote or named them.</summary>
internal static class Names
{
    public static string Type(ClrType type) => (type.Name ?? "?").Replace('+', '.');

    /// <summary>An auto-property's or event's field by its member's name.</summary>
    public static string Field(string name) => GeneratedNames.MemberKey(name);

    /// <summary><c>Game.Logic.OnTick</c>, or <c>a lambda in Game.Logic.Start</c>.</summary>
    public static string Method(ClrMethod method)
    {
        // A lambda's or local function's class (<>c, <>c__DisplayClass3_0) is nested in the type the user wrote it in.
        var typeName = method.Type?.Name ?? "?";
        var generated = typeName.IndexOf("+<", StringComparison.Ordinal);
        var owner = (generated >= 0 ? typeName[..generated] : typeName).Replace('+', '.');
        return MethodNames.Describe(owner, method.Name ?? "?");
    }

    public static string Delegate(ClrMethod method) => "a delegate to " + Method(method);

    /// <summary>
    /// An object of one of the generation's types, as the user wrote it: <c>a Game.Enemy of the generation</c>; for the
    /// compiler's state machine of an async method or iterator (<c>Game.Logic+&lt;Wait&gt;d__2</c>, or the runtime's box
    /// around it), the method.
    /// </summary>
    public static string OfGeneration(ClrType type)
    {
        var name = type.Name ?? "?";
        var machine = name.LastIndexOf("+<", StringComparison.Ordinal);
        if (machine > 0 && GeneratedNames.TryParseStateMachine(name[(machine + 1)..], out var inMethod))
        {
            // The runtime's box around it names it as a generic argument: ...AsyncStateMachineBox<..., Game.Logic+<Wait>d__2>.
            var start = name.LastIndexOfAny(['<', ','], machine) + 1;
            var method = $"{name[start..machine].Replace('+', '.')}.{inMethod}";
            return name.Contains("AsyncStateMachineBox", StringComparison.Ordinal)
                ? $"the async method {method} of the generation, awaiting"
                : $"the async method or iterator {method} of the generation";
        }

        return "a " + Type(type) + " of the generation";
    }

    /// <summary>A step of a path: the type, or for what belongs to the generation, what it is.</summary>
    public static string Object(ClrObject obj, string? ofTheGeneration) =>
        ofTheGeneration ?? (obj.Type is { } type ? Type(type) : "an object");

    public static string Thread(int managedId, Dictionary<int, string> names) =>
        names.TryGetValue(managedId, out var name) ? $"thread '{name}' (managed id {managedId})" : $"thread (managed id {managedId})";

    /// <summary>A delegate type: a field of it is an event, or a callback kept the same way.</summary>
    public static bool IsDelegate(ClrType? type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.Name == "System.MulticastDelegate")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The field of <paramref name="obj"/> that refers to <paramref name="next"/>: its name (<c>_items</c>, or the index
    /// <c>[3]</c> of an array) and whether it is of a delegate type; null when none is found (a reference the runtime adds).
    /// </summary>
    public static (string Name, bool IsDelegate)? FieldTo(ClrObject obj, ulong next)
    {
        if (obj.IsArray)
        {
            var array = obj.AsArray();
            if (array.Type.ComponentType is { IsObjectReference: true })
            {
                for (var i = 0; i < Math.Min(array.Length, 100_000); i++)
                {
                    if (array.GetObjectValue(i).Address == next)
                    {
                        return ($"[{i}]", false);
                    }
                }
            }

            return null;
        }

        foreach (var field in obj.Type?.Fields ?? [])
        {
            if (field.IsObjectReference && field.ReadObject(obj.Address, interior: false).Address == next)
            {
                return (Field(field.Name ?? "?"), IsDelegate(field.Type));
            }
        }

        return null;
    }

    /// <summary>A step of a path, with the field it goes on by: <c>Common.Clock._handlers</c>, <c>System.Object[][3]</c>.</summary>
    public static string Step(ClrObject obj, ulong next)
    {
        var type = obj.Type is { } t ? Type(t) : "an object";
        return FieldTo(obj, next) is { } field ? (field.Name.StartsWith('[') ? type + field.Name : type + "." + field.Name) : type;
    }

    /// <summary>A static field as code reaches the object it holds: <c>AppDomain.CurrentDomain</c> for the runtime's own.</summary>
    public static string Singleton(string staticField) => staticField switch
    {
        "System.AppDomain.s_domain" => "AppDomain.CurrentDomain",
        _ => staticField,
    };

    /// <summary>A static field of the framework's own types.</summary>
    public static bool IsFramework(string staticField) =>
        staticField.StartsWith("System.", StringComparison.Ordinal) || staticField.StartsWith("Microsoft.", StringComparison.Ordinal);
}
