using System.Text.RegularExpressions;

namespace HotReload.ProcessBench;

/// <summary>What a LiveReload=true build says about its copy, from the SDK's high-importance message
/// "Name -> path (reloadable copy N, X ms after the compile, compiled alongside it)".</summary>
internal readonly partial record struct BuildOutput(bool MadeCopy, bool CompiledAlongside, int MsAfterCompile)
{
    public static BuildOutput Parse(string output) => CopyLine().Match(output) is { Success: true } m
        ? new BuildOutput(true, m.Groups[2].Success, int.Parse(m.Groups[1].Value))
        : new BuildOutput(false, false, 0);

    /// <summary>With -v:n the copy task says why it threw away the compile it started beside CoreCompile.</summary>
    public static IEnumerable<string> StaleReasons(string output) =>
        StaleLine().Matches(output).Select(m => m.Groups[1].Value.Trim());

    [GeneratedRegex(@"\(reloadable copy \d+, (\d+) ms after the compile(, compiled alongside it)?\)")]
    private static partial Regex CopyLine();

    [GeneratedRegex(@"is stale \((.*)\); compiling it again")]
    private static partial Regex StaleLine();
}
