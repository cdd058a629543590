using System.Runtime.InteropServices;
using HotReload.Bench;

namespace HotReload.ProcessBench;

/// <summary>The process figures' Markdown reports: the command, the machine and the build environment above each table.</summary>
internal static class Report
{
    public static void Publish(string figure, Options options, string title, string body) =>
        MarkdownReport.Publish(Repository.Results, figure, options.Quick, title,
            $"`{options.CommandLine}`\n\n"
            + $"Run on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; nproc {Environment.ProcessorCount}; {RuntimeInformation.OSDescription.Trim()}; "
            + $".NET SDK {SdkVersion()}. Source: {Repository.Revision()}"
            + (options.FeedFolder is { } feed ? $" (packages from {feed})" : "") + ". "
            + $"Environment: UseSharedCompilation={Environment.GetEnvironmentVariable("UseSharedCompilation") ?? "(unset)"}, "
            + $"MSBUILDDISABLENODEREUSE={Environment.GetEnvironmentVariable("MSBUILDDISABLENODEREUSE") ?? "(unset)"}, "
            + $"DOTNET_CLI_USE_MSBUILD_SERVER={Environment.GetEnvironmentVariable("DOTNET_CLI_USE_MSBUILD_SERVER") ?? "(unset)"}.",
            body);

    public static string Table(string[] header, IEnumerable<string[]> rows) => MarkdownReport.Table(header, rows);

    private static string SdkVersion()
    {
        var result = new DotNet(Repository.Root, Path.GetTempPath()).Run("--version");
        return result.ExitCode == 0 ? result.Output.Trim() : "?";
    }
}
