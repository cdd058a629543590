using System.Globalization;

namespace HotReload;

/// <summary>
/// The lines the warm compiler writes to its standard output for the host that started it; one definition, compiled
/// into the compiler and the runtime. Each line is a verb, a space and its text:
/// <code>
/// ready &lt;ms&gt;                       warmed up, watching
/// published &lt;N&gt; &lt;debounce&gt; &lt;compile&gt;  copy N is in the folder; ms from the first change seen to the compile's start, and of the compile
/// diagnostic &lt;text&gt;                 one compiler error, in the compiler's format (path(line,col): error CS0103: ...)
/// failed &lt;count&gt;                     the compile failed with that many errors (listed just before)
/// info &lt;text&gt; | warning &lt;text&gt;     anything else the user should see
/// </code>
/// </summary>
internal static class CompilerProtocol
{
    public const string Ready = "ready";
    public const string Published = "published";
    public const string Diagnostic = "diagnostic";
    public const string Failed = "failed";
    public const string Info = "info";
    public const string Warning = "warning";

    public static string Line(string verb, string text) => verb + " " + text.ReplaceLineEndings(" ");

    public static string PublishedLine(int generation, TimeSpan debounce, TimeSpan compile) =>
        Line(Published, string.Create(CultureInfo.InvariantCulture, $"{generation} {debounce.TotalMilliseconds:F1} {compile.TotalMilliseconds:F1}"));

    public static (string Verb, string Text) Split(string line)
    {
        var space = line.IndexOf(' ');
        return space < 0 ? (line, "") : (line[..space], line[(space + 1)..]);
    }

    public static bool TryParsePublished(string text, out int generation, out TimeSpan debounce, out TimeSpan compile)
    {
        generation = 0;
        debounce = compile = default;
        var parts = text.Split(' ');
        if (parts.Length != 3
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out generation)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var debounceMs)
            || !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var compileMs))
        {
            return false;
        }

        debounce = TimeSpan.FromMilliseconds(debounceMs);
        compile = TimeSpan.FromMilliseconds(compileMs);
        return true;
    }
}
