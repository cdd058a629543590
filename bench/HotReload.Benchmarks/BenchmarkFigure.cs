using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace HotReload.Benchmarks;

/// <summary>Runs a BenchmarkDotNet class and publishes its summary table with a line on how it meets its goal.</summary>
internal static class BenchmarkFigure
{
    public static bool Run<TBenchmarks>(string figure, bool quick, string title, Func<Summary, string> verdict)
    {
        var summary = BenchmarkRunner.Run<TBenchmarks>(Config(quick));
        if (summary.HasCriticalValidationErrors || summary.Reports.Length == 0 || summary.Reports.Any(r => !r.Success))
        {
            Console.Error.WriteLine($"{figure}: a benchmark failed; see the log above.");
            return false;
        }

        var table = new AccumulationLogger();
        MarkdownExporter.GitHub.ExportToLog(summary, table);
        Report.Publish(figure, quick, title, table.GetLog() + Environment.NewLine + verdict(summary));
        return true;
    }

    /// <summary>Mean time of one call of a benchmark method, in nanoseconds.</summary>
    public static double MeanNs(Summary summary, string method) => Find(summary, method).ResultStatistics!.Mean;

    public static long AllocatedBytes(Summary summary, string method)
    {
        var report = Find(summary, method);
        return report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
    }

    private static BenchmarkReport Find(Summary summary, string method) =>
        summary.Reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);

    private static IConfig Config(bool quick)
    {
        // Full runs give each benchmark a fresh process (BenchmarkDotNet's default), so one contender's JIT profile
        // (LiveFunc.Invoke is shared generic code) never shapes another's. Quick runs stay in process: no project to
        // generate and build, a few seconds in all, and CI never judges these numbers.
        var job = quick
            ? Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3).WithIterationTime(TimeInterval.FromMilliseconds(20))
            : Job.Default;

        return DefaultConfig.Instance
            .AddJob(job.AsDefault())
            .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
    }
}
