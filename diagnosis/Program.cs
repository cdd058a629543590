using System.Diagnostics;
using System.Globalization;
using HotReload;
using HotReload.Diagnosis;

// The stall diagnosis, started by HotReload.Runtime when a released generation stays in memory:
//   dotnet exec HotReload.Diagnosis.dll --pid <host> --assembly <Name.N> [--most <n>] [--dump-path <file>] [--deadline <s>] [--dump-only]
// Prints StallProtocol lines: a holder each, then done; or refused (the heap could not be read), or gone. Each step's
// time goes to standard error, which the runtime quotes when the helper fails or takes too long.
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal) && p.i + 1 < args.Length)
    .ToDictionary(p => p.a, p => args[p.i + 1]);
if (!options.TryGetValue("--pid", out var pidText) || !int.TryParse(pidText, out var pid) || !options.TryGetValue("--assembly", out var assembly))
{
    Console.Error.WriteLine("Usage: HotReload.Diagnosis --pid <host process id> --assembly <Name.N> [--most <n>] [--dump-only]");
    return 2;
}

var most = options.TryGetValue("--most", out var mostText) && int.TryParse(mostText, out var n) ? n : 5;
var dumpPath = options.GetValueOrDefault(StallProtocol.DumpPathOption)
    ?? Path.Combine(Path.GetTempPath(), $"hotreload-stall-{pid}-{Guid.NewGuid():N}.dmp");

// Its own deadline: a helper whose host (and the runtime that would stop it) has gone never stays behind.
if (options.TryGetValue(StallProtocol.DeadlineOption, out var deadlineText) && int.TryParse(deadlineText, out var deadline))
{
    new Thread(() =>
    {
        Thread.Sleep(TimeSpan.FromSeconds(deadline));
        Console.Error.WriteLine($"past its deadline of {deadline} s");
        Environment.Exit(3);
    }) { IsBackground = true }.Start();
}

// The path separator is not ASCII: the runtime reads UTF-8.
Console.OutputEncoding = System.Text.Encoding.UTF8;
var clock = Stopwatch.StartNew();
if (args.Contains(StallProtocol.ThreadsOnlyOption))
{
    // The thread walker (ThreadWalk): live only; a refusal or a fault is its parent's to handle.
    using var live = HostHeap.OpenLive(pid);
    ThreadWalk.Print(HolderSearch.FindRunningThreads(live.Runtime, assembly) ?? []);
    return 0;
}

var dumpOnly = args.Contains(StallProtocol.DumpOnlyOption);
try
{
    // Read live, the threads are walked apart, from the start, beside the heap's read.
    var threads = dumpOnly ? null : ThreadWalk.Begin(pid, assembly);
    using var heap = HostHeap.Open(pid, dumpOnly, dumpPath);
    Progress.Step($"opened the heap {heap.Method}");
    var holders = HolderSearch.Find(heap.Runtime, assembly, most, heap.IsLive ? threads : null);
    if (holders is null)
    {
        Console.WriteLine(StallProtocol.Line(StallProtocol.Gone));
        return 0;
    }

    foreach (var holder in holders)
    {
        Console.WriteLine(StallProtocol.Line(StallProtocol.Holder, holder.Kind, holder.Root, holder.Location ?? "",
            string.Join(StallProtocol.PathSeparator, holder.Path), holder.Text));
    }

    Console.WriteLine(StallProtocol.Line(StallProtocol.Done, heap.Method, Ms(heap.Pause), Ms(clock.Elapsed)));
    return 0;
}
catch (HeapRefusedException e)
{
    Console.WriteLine(StallProtocol.Line(StallProtocol.Refused, e.Message));
    return 1;
}

static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture);
