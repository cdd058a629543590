namespace HotReload.Compiler;

/// <summary>
/// Writes <see cref="CompilerProtocol"/> lines to the host that started this compiler (its standard output) and, while
/// this compiler is the one that compiles, to the log shared with the other hosts of the library.
/// </summary>
internal sealed class HostChannel(TextWriter output) : IDisposable
{
    private readonly object _gate = new();
    private StreamWriter? _shared;

    /// <summary>From now on every line also goes to <paramref name="path"/>, emptied first (the hosts that follow it
    /// start reading over when it shrinks).</summary>
    public void ShareTo(string path)
    {
        lock (_gate)
        {
            var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            _shared = new StreamWriter(stream) { AutoFlush = true };
        }
    }

    public void Send(string line)
    {
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
            try
            {
                _shared?.WriteLine(line);
            }
            catch (IOException)
            {
                // the other hosts miss this line; this host has it
            }
        }
    }

    public void Send(string verb, string text) => Send(CompilerProtocol.Line(verb, text));

    public void Dispose()
    {
        lock (_gate)
        {
            _shared?.Dispose();
        }
    }
}
