using System.Diagnostics;
using HotReload.Benchmarks;

// dotnet run -c Release --project bench/HotReload.Benchmarks -- <calls|check|swap|memory|migrate|all> [--quick]
var figures = new Dictionary<string, Func<bool, bool>>
{
    ["calls"] = CallBenchmarks.Run,
    ["check"] = CheckBenchmarks.Run,
    ["swap"] = SwapFigure.Run,
    ["memory"] = MemoryFigure.Run,
    ["migrate"] = MigrateFigure.Run,
};

var quick = args.Contains("--quick");
var figure = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
if (figure == "all")
{
    // One process per figure: the memory figure must not count what the others left behind.
    var failed = figures.Keys.Where(f => !RunChild(f, quick)).ToList();
    Console.WriteLine(failed.Count == 0 ? "All figures ran." : "Failed: " + string.Join(", ", failed));
    return failed.Count == 0 ? 0 : 1;
}

if (figure is null || !figures.TryGetValue(figure, out var run))
{
    Console.Error.WriteLine("Usage: dotnet run -c Release --project bench/HotReload.Benchmarks -- <calls|check|swap|memory|migrate|all> [--quick]");
    return 2;
}

return run(quick) ? 0 : 1;

static bool RunChild(string figure, bool quick)
{
    using var child = Process.Start(Environment.ProcessPath!, quick ? [figure, "--quick"] : [figure]);
    child.WaitForExit();
    return child.ExitCode == 0;
}
