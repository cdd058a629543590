using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace HotReload.Benchmarks;

/// <summary>
/// The migrate figure's comparison: the old generation's state copied into the new one's types the way a
/// reflection-based migrator does it. The same walk as HotReload.Runtime's (roots: the old generation's static fields;
/// an identity map; a work queue; old type to new type by full name, generic arguments and array elements mapped
/// too), but every field read and written through <see cref="FieldInfo"/> and every array element through
/// <see cref="Array.GetValue(int)"/> / <see cref="Array.SetValue(object, int)"/>; a framework collection is copied
/// through its fields like any object (its stored hash codes stay valid: the keys here are strings and numbers).
/// </summary>
internal sealed class ReflectionCopy
{
    private const BindingFlags Instance = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly;
    private const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private readonly Assembly _to;
    private readonly AssemblyLoadContext _fromContext;
    private readonly Dictionary<object, object> _map = new(ReferenceEqualityComparer.Instance);
    private readonly Queue<(object Old, object New)> _work = new();
    private readonly Dictionary<Type, Type> _types = [];
    private readonly Dictionary<Type, (FieldInfo Old, FieldInfo New)[]> _fields = [];

    private ReflectionCopy(Assembly from, Assembly to)
    {
        _to = to;
        _fromContext = AssemblyLoadContext.GetLoadContext(from)!;
    }

    /// <summary>Copies <paramref name="from"/>'s static state into <paramref name="to"/>'s static fields; returns the milliseconds.</summary>
    public static double Time(Assembly from, Assembly to)
    {
        var clock = Stopwatch.StartNew();
        var copy = new ReflectionCopy(from, to);
        foreach (var type in from.GetTypes().Where(t => !t.ContainsGenericParameters && !t.IsEnum))
        {
            var target = to.GetType(type.FullName!);
            foreach (var field in type.GetFields(Static).Where(f => !f.IsLiteral && !f.IsInitOnly))
            {
                if (target?.GetField(field.Name, Static) is { } newField)
                {
                    newField.SetValue(null, copy.Copy(field.GetValue(null)));
                }
            }
        }

        while (copy._work.TryDequeue(out var work))
        {
            copy.Fill(work.Old, work.New);
        }

        return clock.Elapsed.TotalMilliseconds;
    }

    private bool Involves(Type type) =>
        type.HasElementType ? Involves(type.GetElementType()!)
        : AssemblyLoadContext.GetLoadContext(type.Assembly) == _fromContext || (type.IsConstructedGenericType && type.GetGenericArguments().Any(Involves));

    private Type Map(Type type)
    {
        if (!Involves(type))
        {
            return type;
        }

        if (!_types.TryGetValue(type, out var mapped))
        {
            mapped = type.IsArray ? Map(type.GetElementType()!).MakeArrayType()
                : type.IsConstructedGenericType ? Map(type.GetGenericTypeDefinition()).MakeGenericType(type.GetGenericArguments().Select(Map).ToArray())
                : _to.GetType(type.FullName!)!;
            _types[type] = mapped;
        }

        return mapped;
    }

    private object? Copy(object? old)
    {
        if (old is null || !Involves(old.GetType()))
        {
            return old; // a string, a number, a host object
        }

        var type = Map(old.GetType());
        if (type.IsValueType)
        {
            // A struct, boxed by GetValue: a new box each time, so not worth remembering; filled at once, since the
            // caller stores a copy of it.
            var box = RuntimeHelpers.GetUninitializedObject(type);
            Fill(old, box);
            return box;
        }

        if (_map.TryGetValue(old, out var existing))
        {
            return existing;
        }

        var created = old is Array array ? Array.CreateInstance(type.GetElementType()!, array.Length) : RuntimeHelpers.GetUninitializedObject(type);
        _map[old] = created;
        _work.Enqueue((old, created));
        return created;
    }

    private void Fill(object old, object created)
    {
        if (old is Array array)
        {
            var target = (Array)created;
            for (var i = 0; i < array.Length; i++)
            {
                target.SetValue(Copy(array.GetValue(i)), i);
            }

            return;
        }

        foreach (var (oldField, newField) in Fields(old.GetType()))
        {
            newField.SetValue(created, Copy(oldField.GetValue(old)));
        }
    }

    private (FieldInfo Old, FieldInfo New)[] Fields(Type type)
    {
        if (!_fields.TryGetValue(type, out var pairs))
        {
            var mapped = Map(type);
            var list = new List<(FieldInfo, FieldInfo)>();
            for (var (level, newLevel) = (type, mapped); level is not null && newLevel is not null; (level, newLevel) = (level.BaseType, newLevel.BaseType))
            {
                foreach (var field in level.GetFields(Instance))
                {
                    if (newLevel.GetField(field.Name, Instance) is { } newField)
                    {
                        list.Add((field, newField));
                    }
                }
            }

            _fields[type] = pairs = list.ToArray();
        }

        return pairs;
    }
}
