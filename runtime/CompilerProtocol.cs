using System.Globalization;

namespace HotReload;

/// <summary>
/// The lines the warm compiler writes to its standard output for the host that started it; one definition, compiled
/// into the compiler and the runtime. Each line is a verb, a space and its text:
/// <code>
/// ready &lt;ms&gt; | ready took-over      warmed up, watching, compiling on save (from the start, or after another host's compiler ended)
/// standby                          warmed up; another host's compiler compiles, and its lines are relayed here
/// published &lt;N&gt;                    copy N is in the folder (its timings are in it: CopyLayout.SaveTimingsFileName)
/// patched &lt;N&gt; &lt;K&gt;                  patch K of copy N is in the folder (CopyLayout.PatchPath; its timings are in it)
/// diagnostic &lt;text&gt;                 one compiler error, in the compiler's format (path(line,col): error CS0103: ...)
/// failed &lt;count&gt;                     the compile failed with that many errors (listed just before)
/// info &lt;text&gt; | warning &lt;text&gt;     anything else the user should see
/// </code>
/// </summary>
internal static class CompilerProtocol
{
    public const string Ready = "ready";
    public const string Standby = "standby";

    /// <summary>The text of a <see cref="Ready"/> line sent by a compiler that stood by and now compiles.</summary>
    public const string TookOver = "took-over";
    public const string Published = "published";
    public const string Patched = "patched";
    public const string Diagnostic = "diagnostic";
    public const string Failed = "failed";
    public const string Info = "info";
    public const string Warning = "warning";

    public static string Line(string verb, string text) => verb + " " + text.ReplaceLineEndings(" ");

    public static string PublishedLine(int generation) => Line(Published, generation.ToString(CultureInfo.InvariantCulture));

    public static string PatchedLine(int generation, int patch) =>
        Line(Patched, generation.ToString(CultureInfo.InvariantCulture) + " " + patch.ToString(CultureInfo.InvariantCulture));

    public static (string Verb, string Text) Split(string line)
    {
        var space = line.IndexOf(' ');
        return space < 0 ? (line, "") : (line[..space], line[(space + 1)..]);
    }

    public static bool TryParsePublished(string text, out int generation) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out generation) && generation > 0;
}
