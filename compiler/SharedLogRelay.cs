using System.Text;

namespace HotReload.Compiler;

/// <summary>
/// While another host's compiler compiles the library, passes the lines it shares (copies published, compile errors,
/// messages) on to this compiler's host, so every host shows them. Reads from the log's end as it was at the start, and
/// from its beginning again when the log shrinks (a new compiler took over and emptied it).
/// </summary>
internal sealed class SharedLogRelay(string path, HostChannel host)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    private long _offset = File.Exists(path) ? new FileInfo(path).Length : 0;
    private readonly StringBuilder _partial = new();

    /// <summary>Relays lines until <paramref name="stop"/> returns true (checked between polls).</summary>
    public void RunUntil(Func<bool> stop)
    {
        while (!stop())
        {
            RelayNewLines();
            Thread.Sleep(PollInterval);
        }

        RelayNewLines();
    }

    private void RelayNewLines()
    {
        try
        {
            // Most polls find nothing new: a length is one stat, with no file opened.
            var length = File.Exists(path) ? new FileInfo(path).Length : -1;
            if (length < 0 || length == _offset)
            {
                return;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length < _offset)
            {
                _offset = 0;
                _partial.Clear();
            }

            if (stream.Length == _offset)
            {
                return;
            }

            stream.Seek(_offset, SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
            _partial.Append(reader.ReadToEnd());
            _offset = stream.Length;
        }
        catch (IOException)
        {
            return; // read again at the next poll
        }

        // Only whole lines: the compiler may be writing the rest of one right now.
        var text = _partial.ToString();
        var end = text.LastIndexOf('\n');
        if (end < 0)
        {
            return;
        }

        foreach (var line in text[..end].Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            if (trimmed.Length > 0 && CompilerProtocol.Split(trimmed).Verb is not (CompilerProtocol.Ready or CompilerProtocol.Standby))
            {
                host.Send(trimmed);
            }
        }

        _partial.Remove(0, end + 1);
    }
}
