using System.Diagnostics;
using System.Globalization;

namespace HotReload.Diagnosis;

/// <summary>
/// Walks the host's threads' stacks, read live, in a process of its own (this helper again, with
/// <see cref="StallProtocol.ThreadsOnlyOption"/>): the runtime's data access library can fault on a running thread's
/// stack that changes under it, and a fault takes the whole process down (measured: 1 live read in 40). Apart, a fault
/// costs only that walk, which is run again; the heap's own read goes on beside it.
/// </summary>
internal sealed class ThreadWalk
{
    private const int MostWalks = 3;
    private static readonly TimeSpan MostTime = TimeSpan.FromSeconds(8);

    private readonly int _pid;
    private readonly string _assembly;
    private Process? _walker;

    private ThreadWalk(int pid, string assembly)
    {
        _pid = pid;
        _assembly = assembly;
        _walker = Start();
    }

    /// <summary>Starts walking the threads of process <paramref name="pid"/> for the generation <paramref name="assembly"/>.</summary>
    public static ThreadWalk Begin(int pid, string assembly) => new(pid, assembly);

    /// <summary>The threads running the generation's code; none when every walk failed (said on standard error).</summary>
    public IReadOnlyList<RunningThread> Take()
    {
        for (var walk = 1; ; walk++)
        {
            var (threads, failure) = Finish(_walker);
            _walker = null;
            if (threads is not null)
            {
                return threads;
            }

            Progress.Step($"thread walk {walk} failed ({failure})");
            if (walk == MostWalks)
            {
                return [];
            }

            _walker = Start();
        }
    }

    private Process? Start()
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(ThreadWalk).Assembly.Location);
        start.ArgumentList.Add("--pid");
        start.ArgumentList.Add(_pid.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--assembly");
        start.ArgumentList.Add(_assembly);
        start.ArgumentList.Add(StallProtocol.DeadlineOption);
        start.ArgumentList.Add(((int)MostTime.TotalSeconds + 2).ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(StallProtocol.ThreadsOnlyOption);

        // A walk is short, and runs beside the heap's read on the same cores: compiled in tiers, it starts sooner and
        // takes less from that read than this process's fully optimized code would (runtimeconfig: no tiers).
        start.Environment["DOTNET_TieredCompilation"] = "1";
        try
        {
            return Process.Start(start);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Progress.Step($"the thread walker could not start ({e.Message})");
            return null;
        }
    }

    private static (List<RunningThread>? Threads, string Failure) Finish(Process? walker)
    {
        if (walker is null)
        {
            return (null, "not started");
        }

        using (walker)
        {
            var output = walker.StandardOutput.ReadToEndAsync();
            var errors = walker.StandardError.ReadToEndAsync();
            if (!walker.WaitForExit(MostTime))
            {
                try
                {
                    walker.Kill();
                    walker.WaitForExit();
                }
                catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // It exited at that very moment.
                }

                return (null, $"longer than {MostTime.TotalSeconds:F0} s");
            }

            walker.WaitForExit();
            // Not trimmed: a thread with no source location ends its line with an empty field, after a tab.
            var threads = Parse(output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')));
            var last = errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim();
            return (threads, $"exit code {walker.ExitCode}{(last is null ? "" : ": " + last)}");
        }
    }

    /// <summary>The walker's lines: <see cref="StallProtocol.Running"/> each, then done; null when they do not end so.</summary>
    public static List<RunningThread>? Parse(IEnumerable<string> lines)
    {
        var threads = new List<RunningThread>();
        foreach (var line in lines)
        {
            var fields = StallProtocol.Fields(line);
            if (fields[0] == StallProtocol.Running && fields.Length == 4 && int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
            {
                threads.Add(new RunningThread(id, fields[2], fields[3].Length > 0 ? fields[3] : null));
            }
            else if (fields[0] == StallProtocol.Done)
            {
                return threads;
            }
        }

        return null;
    }

    /// <summary>The walker's side: prints the lines <see cref="Parse"/> reads.</summary>
    public static void Print(IEnumerable<RunningThread> threads)
    {
        foreach (var thread in threads)
        {
            Console.WriteLine(StallProtocol.Line(StallProtocol.Running, thread.ManagedId.ToString(CultureInfo.InvariantCulture), thread.Method, thread.Location ?? ""));
        }

        Console.WriteLine(StallProtocol.Line(StallProtocol.Done));
    }
}
