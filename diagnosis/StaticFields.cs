using Microsoft.Diagnostics.Runtime;

namespace HotReload.Diagnosis;

/// <summary>
/// Names the static field a root path starts with. The runtime keeps the values of static fields that hold objects in
/// arrays it roots with a handle; the path then starts at such an array. This maps the address of every static field of
/// every loaded type to its name, and finds the array's slot the path leaves it by.
/// </summary>
internal sealed class StaticFields
{
    private readonly Dictionary<ulong, StaticField> _byAddress = [];
    private ulong[]? _sorted;

    public StaticFields(ClrRuntime runtime)
    {
        var domain = runtime.AppDomains.FirstOrDefault();
        if (domain is null)
        {
            return;
        }

        foreach (var module in runtime.EnumerateModules())
        {
            IEnumerable<ClrType> types;
            try
            {
                types = module.EnumerateTypesWithStaticFields().ToList();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                continue;
            }

            foreach (var type in types)
            {
                foreach (var field in type.StaticFields)
                {
                    if (!field.IsObjectReference)
                    {
                        continue;
                    }

                    try
                    {
                        var address = field.GetAddress(domain);
                        if (address != 0)
                        {
                            _byAddress.TryAdd(address, new StaticField(Names.Type(type) + "." + Names.Field(field.Name ?? "?"), Names.IsDelegate(field.Type), type));
                        }
                    }
                    catch (Exception e) when (e is InvalidOperationException or IOException)
                    {
                        // A static not allocated yet.
                    }
                }
            }
        }
    }

    /// <summary>Whether any static field's storage lies inside <paramref name="array"/>: a look-up among the sorted addresses.</summary>
    private bool HasStatics(ClrObject array)
    {
        _sorted ??= [.. _byAddress.Keys.Order()];
        var start = array.Address + (ulong)(2 * IntPtr.Size);
        var i = Array.BinarySearch(_sorted, start);
        i = i < 0 ? ~i : i;
        return i < _sorted.Length && _sorted[i] < array.Address + array.Size;
    }

    /// <summary>The static field whose storage is at <paramref name="address"/> (a root the runtime reports as a static variable).</summary>
    public bool Named(ulong address, out StaticField field) => _byAddress.TryGetValue(address, out field);

    /// <summary>
    /// The static fields whose slots in <paramref name="array"/> hold <paramref name="value"/>, when it is one of the arrays
    /// the runtime keeps the statics of many types in; empty for any other object.
    /// </summary>
    public List<StaticField> Holding(ClrObject array, ulong value)
    {
        var fields = new List<StaticField>();
        if (!array.IsArray || !HasStatics(array))
        {
            return fields;
        }

        var elements = array.AsArray();
        for (var i = 0; i < elements.Length; i++)
        {
            // An array of references: its elements start after the method table and the length.
            var slot = array.Address + (ulong)(2 * IntPtr.Size) + (ulong)(i * IntPtr.Size);
            if (_byAddress.TryGetValue(slot, out var field) && elements.GetObjectValue(i).Address == value)
            {
                fields.Add(field);
            }
        }

        return fields;
    }
}

/// <summary>A static field that holds an object: its name as the user writes it, whether it is of a delegate type, and its type.</summary>
internal readonly record struct StaticField(string Name, bool IsEvent, ClrType Owner);
