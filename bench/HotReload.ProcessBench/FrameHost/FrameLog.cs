// The frame log of the `hitch` and `stall` figures' hosts (HotReload.ProcessBench), copied beside their Program.cs like
// Workload.cs; each host has its own frame record.

/// <summary>The measured frames, in a preallocated array: recording a frame allocates nothing. Written as CSV, one frame a line.</summary>
internal sealed class FrameLog<TFrame>(int capacity, string header) where TFrame : struct
{
    private readonly TFrame[] _frames = new TFrame[capacity];

    public long Origin { get; set; }

    public int Count { get; private set; }

    public void Add(in TFrame frame)
    {
        if (Count < capacity)
        {
            _frames[Count++] = frame;
        }
    }

    public void Write(string path)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine(header);
        for (var i = 0; i < Count; i++)
        {
            writer.WriteLine(_frames[i].ToString());
        }
    }
}
