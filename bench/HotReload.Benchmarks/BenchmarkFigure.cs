using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Filters;
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
    /// <param name="jobs">
    /// Given the figure's base job (a fresh process per benchmark in full runs, in process with <c>--quick</c>),
    /// the jobs to run; by default the base job alone.
    /// </param>
    /// <param name="filter">Which benchmark of which job runs; by default all of them.</param>
    public static bool Run<TBenchmarks>(string figure, bool quick, string title, Func<Summary, string> verdict,
        Func<Job, IEnumerable<Job>>? jobs = null, Func<BenchmarkCase, bool>? filter = null)
    {
        var summary = BenchmarkRunner.Run<TBenchmarks>(Config(quick, jobs, filter));
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

    /// <summary>Mean time of one call of a benchmark method (in the given job, when there are several), in nanoseconds.</summary>
    public static double MeanNs(Summary summary, string method, string? job = null) => Find(summary, method, job).ResultStatistics!.Mean;

    public static long AllocatedBytes(Summary summary, string method, string? job = null)
    {
        var report = Find(summary, method, job);
        return report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
    }

    /// <summary>Whether the summary has a report of that job.</summary>
    public static bool HasJob(Summary summary, string job) => summary.Reports.Any(r => r.BenchmarkCase.Job.Id == job);

    private static BenchmarkReport Find(Summary summary, string method, string? job) =>
        summary.Reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method && (job is null || r.BenchmarkCase.Job.Id == job));

    private static IConfig Config(bool quick, Func<Job, IEnumerable<Job>>? jobs, Func<BenchmarkCase, bool>? filter)
    {
        // Full runs give each benchmark a fresh process (BenchmarkDotNet's default), so one contender's JIT profile
        // (LiveFunc.Invoke is shared generic code) never shapes another's. Quick runs stay in process: no project to
        // generate and build, a few seconds in all, and CI never judges these numbers.
        var job = quick
            ? Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3).WithIterationTime(TimeInterval.FromMilliseconds(20))
            : Job.Default;

        // Jobs that build differently (another MSBuild property, native AOT) each build this project again, into the
        // bin/ folder this process runs from: one at a time, as two builds of one project into one folder may race.
        var config = DefaultConfig.Instance
            .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"))
            .WithOption(ConfigOptions.DisableParallelBuild, true)
            .HideColumns("EnvironmentVariables", "Arguments"); // a job's id says what they are
        config = jobs is null ? config.AddJob(job.AsDefault()) : config.AddJob(jobs(job).ToArray());
        return filter is null ? config : config.AddFilter(new SimpleFilter(filter));
    }
}
