namespace HotReload.ProcessBench;

/// <summary>The command line: which figure, how many runs, and where the packed packages are.</summary>
internal sealed record Options(string Figure, bool Quick, string? FeedFolder, string CommandLine)
{
    /// <summary>The figures, in the order `all` runs them.</summary>
    public static readonly string[] Figures = ["build", "edit", "state", "hosts", "scale", "patch", "save-memory", "hitch", "stall"];

    private static string FigureList => string.Join('|', Figures.Append("all"));

    public static string Usage =>
        "Usage: dotnet run -c Release --project bench/HotReload.ProcessBench -- <" + FigureList + "> [--quick] [--feed DIR]\n" +
        "  --quick     2 runs of each measurement, hitch 5 swaps, stall 1 stall (proves the figure runs; the numbers mean little)\n" +
        "  --feed DIR  use HotReload.Sdk/HotReload.Runtime .nupkg files from DIR instead of packing a copy of the source";

    /// <summary>True when this run includes <paramref name="name"/>.</summary>
    public bool Includes(string name) => Figure == name || Figure == "all";

    /// <summary>Runs per measurement: the full count, or 2 with --quick.</summary>
    public int Runs(int full) => Quick ? 2 : full;

    public static Options? Parse(string[] args)
    {
        string? figure = null, feed = null;
        var quick = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--feed" when i + 1 < args.Length:
                    feed = Path.GetFullPath(args[++i]);
                    break;
                case var name when figure is null && (name == "all" || Figures.Contains(name)):
                    figure = args[i];
                    break;
                default:
                    return null;
            }
        }

        var command = "dotnet run -c Release --project bench/HotReload.ProcessBench -- " + string.Join(' ', args);
        return figure is null ? null : new Options(figure, quick, feed, command);
    }
}
