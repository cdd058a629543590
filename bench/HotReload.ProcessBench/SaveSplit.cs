using System.Text.RegularExpressions;

namespace HotReload.ProcessBench;

/// <summary>Where the host says a save's time went, from its line for a copy the warm compiler made:
/// <c>[hotreload] generation 7 live · 84 ms (debounce 15, compile 41, load 1, wait 20, migrate 0.4: ...)</c>, or for a
/// patch, whose apply time stands where a copy's load is: <c>[hotreload] generation 7 patched (3) · 38 ms (debounce 15,
/// compile 9, apply 1, wait 13): ...</c>. The host's
/// clock starts at the compiler's first file event of the save, so its total leaves out the file watcher's delay.
/// <see cref="Migrate"/> is NaN for a host that printed no migration (the first generation, or an older host).</summary>
internal readonly partial record struct SaveSplit(double Total, double Debounce, double Compile, double Load, double Wait, double Migrate)
{
    /// <summary>Any line the host prints when a generation goes live, from a save or from a build.</summary>
    public static bool IsLiveLine(string text) => LiveLine().IsMatch(text);

    public static SaveSplit? Parse(string? text) =>
        text is null ? null
        : SavedLine().Match(text) is { Success: true } m ? new SaveSplit(Number(m, 1), Number(m, 2), Number(m, 3), Number(m, 4), Number(m, 5), Number(m, 6))
        : PatchedLine().Match(text) is { Success: true } p ? new SaveSplit(Number(p, 1), Number(p, 2), Number(p, 3), Number(p, 4), Number(p, 5), double.NaN)
        : null;

    /// <summary>The host's line for a patch of the live generation.</summary>
    public static bool IsPatchedLine(string text) => PatchedLine().IsMatch(text);

    // The host prints "?" for a time it does not have.
    private static double Number(Match m, int group) =>
        double.TryParse(m.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : double.NaN;

    [GeneratedRegex(@"^\[hotreload\] generation \d+ (live|patched)")]
    private static partial Regex LiveLine();

    [GeneratedRegex(@"^\[hotreload\] generation \d+ live · (\d+|\?) ms \(debounce (\d+|\?), compile (\d+|\?), load (\d+|\?), wait (\d+|\?)(?:\)|, migrate ([\d.]+))")]
    private static partial Regex SavedLine();

    [GeneratedRegex(@"^\[hotreload\] generation \d+ patched \(\d+\) · (\d+|\?) ms \(debounce (\d+|\?), compile (\d+|\?), apply (\d+|\?), wait (\d+|\?)\)")]
    private static partial Regex PatchedLine();
}
