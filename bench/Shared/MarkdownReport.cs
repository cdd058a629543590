using System.Text;

namespace HotReload.Bench;

/// <summary>Prints a figure as Markdown and writes it to &lt;results&gt;/&lt;figure&gt;.md; quick runs go to &lt;results&gt;/quick/, so CI never overwrites a full figure.</summary>
internal static class MarkdownReport
{
    /// <param name="context">The lines under the title: the command, when and where it ran.</param>
    public static void Publish(string resultsFolder, string figure, bool quick, string title, string context, string body)
    {
        var text = new StringBuilder()
            .AppendLine($"# {title}")
            .AppendLine()
            .AppendLine(context.TrimEnd())
            .AppendLine(quick ? "\n**Quick run: a few iterations only, to prove the figure runs. The numbers mean little.**" : "")
            .AppendLine()
            .Append(body.TrimEnd())
            .AppendLine()
            .ToString();

        Console.WriteLine();
        Console.WriteLine(text);
        var folder = quick ? Path.Combine(resultsFolder, "quick") : resultsFolder;
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, figure + ".md");
        File.WriteAllText(path, text);
        Console.WriteLine($"Written to {Path.GetFullPath(path)}");
    }

    /// <summary>A Markdown table, first column left-aligned and the rest right-aligned; numbers are formatted by the caller.</summary>
    public static string Table(string[] header, IEnumerable<string[]> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", header) + " |");
        text.AppendLine("|" + string.Join("|", header.Select((_, i) => i == 0 ? " --- " : " ---: ")) + "|");
        foreach (var row in rows)
        {
            text.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        return text.ToString();
    }
}
