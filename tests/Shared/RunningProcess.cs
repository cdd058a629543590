using System.Diagnostics;

namespace HotReload.Testing;

/// <summary>A long-running child process (the host, or dotnet watch); every line it prints is kept with the
/// <see cref="Clock"/> time it arrived. Killed with its children on dispose.</summary>
internal sealed class RunningProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<OutputLine> _lines = [];

    public RunningProcess(ProcessStartInfo start)
    {
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Id = _process.Id;
    }

    public int Id { get; }

    public bool HasExited => _process.HasExited;

    public int Count
    {
        get { lock (_lines) { return _lines.Count; } }
    }

    public OutputLine[] LinesFrom(int index)
    {
        lock (_lines)
        {
            return _lines.Skip(index).ToArray();
        }
    }

    /// <summary>Polls the output from <paramref name="from"/> on until <paramref name="find"/> returns a value.</summary>
    public T WaitFor<T>(Func<OutputLine[], T?> find, string what, TimeSpan timeout, int from = 0) where T : struct
    {
        var deadline = Clock.Now + timeout;
        while (true)
        {
            var exited = _process.HasExited; // read before the lines: after the exit, one more scan is final
            if (exited)
            {
                _process.WaitForExit(); // the exit can come before the last lines are read: this drains them
            }

            if (find(LinesFrom(from)) is { } found)
            {
                return found;
            }

            if (exited || Clock.Now > deadline)
            {
                throw new InvalidOperationException(
                    $"{(exited ? "The process exited" : "Timed out")} while waiting for {what}. Last lines:{Environment.NewLine}{Transcript()}");
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>The last lines, and before them every line that is not a bare number (a tool's messages, errors), so a
    /// failure shows what the tool said however many frames followed.</summary>
    public string Transcript(int last = 40)
    {
        var lines = LinesFrom(0);
        var tail = Math.Max(0, lines.Length - last);
        return string.Join(Environment.NewLine, lines
            .Select((l, i) => (Line: l, Index: i))
            .Where(x => x.Index >= tail || !long.TryParse(x.Line.Text.Split(' ')[^1], out _))
            .Select(x => $"{x.Line.At.TotalSeconds,9:F3}s {x.Line.Text}"));
    }

    private void Add(string? text)
    {
        if (text is not null)
        {
            var line = new OutputLine(Clock.Now, text);
            lock (_lines)
            {
                _lines.Add(line);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}

internal readonly record struct OutputLine(TimeSpan At, string Text);
