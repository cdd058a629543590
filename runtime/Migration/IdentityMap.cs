using System.Runtime.CompilerServices;

namespace HotReload.Runtime;

/// <summary>
/// Old object → new object, by reference: one object shared by a list and a dictionary stays one object, and a cycle
/// ends. Open addressing with keys and values side by side in one array, so a lookup touches one cache line; measured
/// against <c>Dictionary</c> with <see cref="ReferenceEqualityComparer"/>, a third of the time for a million objects.
/// </summary>
/// <remarks>
/// While no collection runs (a migration in a no-GC region), a key's slot follows its address (<see cref="KeyByAddress"/>):
/// no object's header is written to give it a hash code (the first <see cref="RuntimeHelpers.GetHashCode(object)"/> of
/// an object makes one and writes it into the object with an interlocked exchange: the old generation's every object),
/// and since the old objects were allocated in about the order a migration meets them, neighbouring lookups touch
/// neighbouring slots. Should the keys pass many slots on average (a layout that lands many objects on the same slots),
/// the map places every key by hash code; so does a collection: it can move objects at any allocation or safe point,
/// so every operation checks the collection count after it is done, and repeats itself by hash code, which no
/// collection changes, if it moved.
/// </remarks>
internal sealed class IdentityMap
{
    private static readonly object NullValue = new();

    /// <summary>
    /// Slots passed, a key, on average, beyond which placing by address has crowded the table: a table a quarter full
    /// passes one or two (a layout where many objects land on the same slots would pass thousands).
    /// </summary>
    internal const int MostProbesByAddress = 16;

    private object?[] _slots; // [key0, value0, key1, value1, ...]
    private int _mask;
    private int _count;
    private bool _byAddress;
    private long _probes; // slots passed by address since KeyByAddress
    private int _collections; // GC.CollectionCount(0) when the slots were last placed by address

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

    /// <summary>Whether slots follow the keys' addresses now (no collection since <see cref="KeyByAddress"/>).</summary>
    public bool ByAddress => _byAddress;

    /// <summary>
    /// Places keys by address from now on, until a collection runs or the map is cleared; for an empty map, in a stretch
    /// where collections are held off (in one anyway, the map stays correct: it leaves this mode at the first).
    /// </summary>
    public void KeyByAddress()
    {
        if (_count > 0)
        {
            throw new InvalidOperationException("Only an empty identity map changes how it places keys.");
        }

        _collections = GC.CollectionCount(0);
        _probes = 0;
        _byAddress = true;
    }

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

        _byAddress = false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public bool TryGet(object key, out object? value)
    {
        if (!_byAddress)
        {
            return Find(key, byAddress: false, out value);
        }

        // A key found is the key (compared by reference); one not found may have moved since it went in.
        var found = Find(key, byAddress: true, out value);
        var moved = !found && GC.CollectionCount(0) != _collections;
        if (moved || Crowded)
        {
            PlaceByHashCode();
        }

        return moved ? Find(key, byAddress: false, out value) : found;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private bool Find(object key, bool byAddress, out object? value)
    {
        var slots = _slots;
        var i = Start(key, _mask, byAddress);
        for (var run = 0; ; run++)
        {
            var candidate = slots[i * 2];
            if (ReferenceEquals(candidate, key))
            {
                var found = slots[(i * 2) + 1];
                value = ReferenceEquals(found, NullValue) ? null : found;
                _probes += run;
                return true;
            }

            if (candidate is null)
            {
                value = null;
                _probes += run;
                return false;
            }

            i = (i + 1) & _mask;
        }
    }

    /// <summary>Adds a key that is not there yet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(object key, object? value)
    {
        // By address, a quarter full at most: the table then spans more of the heap than the keys take up, so that a
        // stretch of small objects (up to 2/3 of a slot each, at 24 bytes) never meets another in its slots as it wraps.
        if ((_count + 1) * (_byAddress ? 4 : 2) > _mask)
        {
            Grow();
        }

        _probes += Insert(_slots, _mask, key, value ?? NullValue, _byAddress);
        _count++;
        if (_byAddress && (Crowded || GC.CollectionCount(0) != _collections))
        {
            PlaceByHashCode(); // the key may have gone in by an address it no longer has: every key is placed again
        }
    }

    /// <summary>
    /// A key's first slot: by its hash code, or by its address, one slot for each 16 bytes, in address order, the table
    /// wrapping around (objects 16 bytes apart or more land in different slots, and neighbours next to each other).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Start(object key, int mask, bool byAddress) => byAddress
        ? (int)((ulong)Unsafe.As<object, nint>(ref key) >> 4) & mask
        : (int)((uint)RuntimeHelpers.GetHashCode(key) * 0x9E3779B1u >> 7) & mask;

    /// <summary>Whether placing by address passes too many slots a key (only counted in address mode).</summary>
    private bool Crowded => _probes > MostProbesByAddress * ((long)_count + 1024);

    /// <summary>Leaves address mode: every key is placed again by its hash code.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void PlaceByHashCode()
    {
        _byAddress = false;
        Rebuild(_mask);
    }

    /// <summary>Puts a key in the first free slot from its own; returns the slots it passed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Insert(object?[] slots, int mask, object key, object value, bool byAddress)
    {
        var i = Start(key, mask, byAddress);
        var run = 0;
        while (slots[i * 2] is not null)
        {
            i = (i + 1) & mask;
            run++;
        }

        slots[i * 2] = key;
        slots[(i * 2) + 1] = value;
        return run;
    }

    private void Grow() => Rebuild((_mask << 1) | 1);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Rebuild(int mask)
    {
        var old = _slots;
        var slots = new object?[(mask + 1) * 2];
        for (var i = 0; i < old.Length; i += 2)
        {
            if (old[i] is { } key)
            {
                _probes += Insert(slots, mask, key, old[i + 1]!, _byAddress);
            }
        }

        _slots = slots;
        _mask = mask;
    }
}
