using System.Diagnostics;

namespace HotReload.EndToEnd.Tests;

/// <summary>The sample host running as a real process; every line it prints is kept with the time it arrived.</summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<(TimeSpan At, string Text)> _lines = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public HostProcess(string workingDirectory, string packagesFolder, string hostAssembly, int frames = 100_000)
    {
        _process = new Process { StartInfo = DotNet.StartInfo(workingDirectory, packagesFolder, hostAssembly, "--frames", frames.ToString()) };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Id = _process.Id;
    }

    public int Id { get; }

    public bool HasExited => _process.HasExited;

    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyList<(TimeSpan At, string Text)> Lines
    {
        get { lock (_lines) { return _lines.ToList(); } }
    }

    /// <summary>Waits for a line to match; returns its index in <see cref="Lines"/>.</summary>
    public int WaitFor(Func<string, bool> match, string what, TimeSpan? timeout = null, int from = 0)
    {
        var deadline = _clock.Elapsed + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            // Read the exit state before the lines: once exited (and its output drained), one more scan is final.
            var exited = _process.HasExited;
            if (exited)
            {
                _process.WaitForExit();
            }

            var lines = Lines;
            for (var i = from; i < lines.Count; i++)
            {
                if (match(lines[i].Text))
                {
                    return i;
                }
            }

            if (exited)
            {
                Assert.Fail($"The host exited ({_process.ExitCode}) while waiting for {what}:{Environment.NewLine}{Transcript()}");
            }

            if (_clock.Elapsed > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}:{Environment.NewLine}{Transcript()}");
            }

            Thread.Sleep(20);
        }
    }

    public string Transcript(int last = 60) => string.Join(Environment.NewLine, Lines.TakeLast(last).Select(l => $"{l.At.TotalSeconds,8:F2}s {l.Text}"));

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_lines)
            {
                _lines.Add((_clock.Elapsed, line));
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
