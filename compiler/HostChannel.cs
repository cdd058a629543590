namespace HotReload.Compiler;

/// <summary>Writes <see cref="CompilerProtocol"/> lines to the host that started this compiler (its standard output).</summary>
internal sealed class HostChannel(TextWriter output)
{
    private readonly object _gate = new();

    public void Send(string line)
    {
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    public void Send(string verb, string text) => Send(CompilerProtocol.Line(verb, text));
}
