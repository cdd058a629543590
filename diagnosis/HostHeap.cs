using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Runtime;

namespace HotReload.Diagnosis;

/// <summary>
/// The host's heap, read from outside the host. First attached live, without suspending it (the host's frames go on;
/// the part of the heap a stalled generation hangs by does not move while it is read); where the system refuses that
/// (a process may not read its parent's memory under Yama's ptrace_scope 1, or on macOS), through a dump the host's
/// own runtime writes on request (`DiagnosticsClient.WriteDump`, as dotnet-dump does), which pauses the host while
/// it is written. Says which, and how long the host was paused.
/// </summary>
internal sealed class HostHeap : IDisposable
{
    private readonly DataTarget _target;
    private readonly string? _dumpPath;
    private DataTarget? _attached; // the attachment a cached reader reads through

    private HostHeap(DataTarget target, ClrRuntime runtime, string method, TimeSpan pause, string? dumpPath)
    {
        _target = target;
        Runtime = runtime;
        Method = method;
        Pause = pause;
        _dumpPath = dumpPath;
    }

    public ClrRuntime Runtime { get; }

    /// <summary>How the heap was read, for the message: "attached live", "from a dump".</summary>
    public string Method { get; }

    /// <summary>Whether the heap is read while the host runs (it can change under the reader), not from a dump.</summary>
    public bool IsLive => _attached is not null;

    /// <summary>How long the host was paused for it: zero attached live, the dump's writing otherwise.</summary>
    public TimeSpan Pause { get; }

    /// <summary>
    /// Opens the heap of process <paramref name="pid"/>, attached live unless <paramref name="dumpOnly"/>; throws
    /// <see cref="HeapRefusedException"/> with the reasons when no way works.
    /// </summary>
    public static HostHeap Open(int pid, bool dumpOnly, string dumpPath)
    {
        string? live = null;
        if (!dumpOnly)
        {
            try
            {
                return Attach(pid);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                live = e.Message;
            }
        }

        return FromDump(pid, live, dumpPath);
    }

    /// <summary>Opens the heap of process <paramref name="pid"/> attached live, or throws why not.</summary>
    public static HostHeap OpenLive(int pid) => Attach(pid);

    private static HostHeap Attach(int pid)
    {
        var attached = DataTarget.AttachToProcess(pid, suspend: false);
        try
        {
            var memory = new CachedMemory(attached.DataReader);
            var target = new DataTarget(memory, new DataTargetOptions());
            var runtime = CreateRuntime(target);
            memory.Uncache(runtime.Threads.Select(t => (Math.Min(t.StackBase, t.StackLimit), Math.Max(t.StackBase, t.StackLimit))));
            return new HostHeap(target, runtime, StallProtocol.AttachedLive, TimeSpan.Zero, null) { _attached = attached };
        }
        catch
        {
            attached.Dispose();
            throw;
        }
    }

    private static HostHeap FromDump(int pid, string? liveRefusal, string path)
    {
        try
        {
            var clock = Stopwatch.StartNew();
            new DiagnosticsClient(pid).WriteDump(DumpType.WithHeap, path, logDumpGeneration: false);
            var pause = clock.Elapsed;
            var target = DataTarget.LoadDump(path);
            try
            {
                return new HostHeap(target, CreateRuntime(target), StallProtocol.FromDump, pause, path);
            }
            catch
            {
                target.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            TryDelete(path);
            var dump = $"a dump was refused ({Sentence(e.Message)})";
            throw new HeapRefusedException(liveRefusal is null ? dump : $"attaching to the host was refused ({Sentence(liveRefusal)}) and {dump}");
        }
    }

    /// <summary>The runtime, with the DAC the host's own runtime ships beside it (ClrMD cannot tell its version on Linux, so it is taken as it is).</summary>
    private static ClrRuntime CreateRuntime(DataTarget target)
    {
        var clr = target.ClrVersions.FirstOrDefault() ?? throw new InvalidOperationException("no .NET runtime found in the host");
        var dac = Path.Combine(Path.GetDirectoryName(clr.ModuleInfo.FileName) ?? "", DacFileName());
        return File.Exists(dac) ? clr.CreateRuntime(dac, ignoreMismatch: true) : clr.CreateRuntime();
    }

    private static string DacFileName() =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "mscordaccore.dll"
        : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libmscordaccore.dylib"
        : "libmscordaccore.so";

    /// <summary>The first sentence of an exception's message (the rest is advice for the tools' own users), without its period.</summary>
    private static string Sentence(string message)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        var end = line.IndexOf(". ", StringComparison.Ordinal);
        return (end > 0 ? line[..end] : line).TrimEnd('.');
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A dump left in the temporary folder: the system cleans it.
        }
    }

    public void Dispose()
    {
        Runtime.Dispose();
        _target.Dispose();
        _attached?.Dispose();
        if (_dumpPath is not null)
        {
            TryDelete(_dumpPath);
        }
    }
}

/// <summary>The host's heap could not be read from outside.</summary>
internal sealed class HeapRefusedException(string reason) : Exception(reason);
