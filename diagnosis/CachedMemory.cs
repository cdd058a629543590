using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;

namespace HotReload.Diagnosis;

/// <summary>
/// Reads the host's memory in large chunks and keeps them: attached live, every small read would be a system call, and a
/// walk of the heap makes millions of them; in chunks, the heap is read about once, in address order. A chunk is read at
/// one moment, so what is in it is consistent; the host goes on beside it. Threads' stacks are never cached: a stack walk
/// takes a thread's registers as they are now, and a stack read earlier would not match them (the runtime's unwinder
/// faults on such a mix).
/// </summary>
internal sealed class CachedMemory(IDataReader inner) : IDataReader
{
    private const int ChunkSize = 1 << 18;

    private readonly Dictionary<ulong, byte[]?> _chunks = [];
    private (ulong Start, ulong End)[] _uncached = [];

    // The chunk read last: a walk of the heap reads object after object in it, so most reads need no lookup at all.
    private ulong _lastStart = ulong.MaxValue;
    private byte[] _last = [];

    /// <summary>Memory to read as it is at each read, never from a chunk: the threads' stacks.</summary>
    public void Uncache(IEnumerable<(ulong Start, ulong End)> ranges)
    {
        _uncached = [.. ranges.Where(r => r.End > r.Start)];
        (_lastStart, _last) = (ulong.MaxValue, []);
        foreach (var start in _chunks.Keys.Where(Overlaps).ToList())
        {
            _chunks.Remove(start);
        }
    }

    private bool Overlaps(ulong chunkStart)
    {
        var chunkEnd = chunkStart + ChunkSize;
        foreach (var (start, end) in _uncached)
        {
            if (start < chunkEnd && chunkStart < end)
            {
                return true;
            }
        }

        return false;
    }

    public string DisplayName => inner.DisplayName;

    public bool IsThreadSafe => false;

    public OSPlatform TargetPlatform => inner.TargetPlatform;

    public Architecture Architecture => inner.Architecture;

    public int ProcessId => inner.ProcessId;

    public int PointerSize => inner.PointerSize;

    public IEnumerable<ModuleInfo> EnumerateModules() => inner.EnumerateModules();

    public bool GetThreadContext(uint threadID, uint contextFlags, Span<byte> context) => inner.GetThreadContext(threadID, contextFlags, context);

    public void FlushCachedData()
    {
        _chunks.Clear();
        (_lastStart, _last) = (ulong.MaxValue, []);
        inner.FlushCachedData();
    }

    public int Read(ulong address, Span<byte> buffer)
    {
        var lastOffset = address - _lastStart;
        if (lastOffset < (ulong)_last.Length && (ulong)_last.Length - lastOffset >= (ulong)buffer.Length)
        {
            _last.AsSpan((int)lastOffset, buffer.Length).CopyTo(buffer);
            return buffer.Length;
        }

        var done = 0;
        while (done < buffer.Length)
        {
            var at = address + (ulong)done;
            var start = at & ~(ulong)(ChunkSize - 1);
            if (_uncached.Length > 0 && Overlaps(start))
            {
                return done + inner.Read(at, buffer[done..]);
            }

            var chunk = Chunk(start);
            var offset = (int)(at - start);
            if (chunk is null || offset >= chunk.Length)
            {
                // Memory the chunk could not hold (the end of a mapping): read it as asked.
                return done + inner.Read(at, buffer[done..]);
            }

            (_lastStart, _last) = (start, chunk);
            var count = Math.Min(chunk.Length - offset, buffer.Length - done);
            chunk.AsSpan(offset, count).CopyTo(buffer[done..]);
            done += count;
        }

        return done;
    }

    public bool Read<T>(ulong address, out T value) where T : unmanaged
    {
        value = default;
        var bytes = MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref value, 1));
        return Read(address, bytes) == bytes.Length;
    }

    public T Read<T>(ulong address) where T : unmanaged => Read(address, out T value) ? value : default;

    public bool ReadPointer(ulong address, out ulong value)
    {
        if (PointerSize == 8)
        {
            return Read(address, out value);
        }

        var read = Read(address, out uint narrow);
        value = narrow;
        return read;
    }

    public ulong ReadPointer(ulong address) => ReadPointer(address, out var value) ? value : 0;

    private byte[]? Chunk(ulong start)
    {
        if (!_chunks.TryGetValue(start, out var chunk))
        {
            var buffer = new byte[ChunkSize];
            var read = inner.Read(start, buffer);
            chunk = read <= 0 ? null : read == ChunkSize ? buffer : buffer[..read];
            _chunks[start] = chunk;
        }

        return chunk;
    }
}
