using System.Reflection;
using System.Runtime.InteropServices;
using HotReload.Bench;

namespace HotReload.Benchmarks;

/// <summary>The micro figures' Markdown reports: the command, the machine and the runtime version above each table.</summary>
internal static class Report
{
    private static readonly string ResultsDirectory = typeof(Report).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ResultsDirectory").Value!;

    // The version carries the commit the runtime was built from, so a table says which runtime it measured.
    private static readonly string RuntimeVersion = typeof(HotReload.Runtime.ReloadableLibrary).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";

    public static void Publish(string figure, bool quick, string title, string body) =>
        MarkdownReport.Publish(ResultsDirectory, figure, quick, title,
            $"`dotnet run -c Release --project bench/HotReload.Benchmarks -- {figure}{(quick ? " --quick" : "")}` on {DateTime.UtcNow:yyyy-MM-dd}, "
            + $"{RuntimeInformation.OSDescription.Trim()}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, HotReload.Runtime {RuntimeVersion}.",
            body);

    public static string Table(string[] header, IEnumerable<string[]> rows) => MarkdownReport.Table(header, rows);
}
