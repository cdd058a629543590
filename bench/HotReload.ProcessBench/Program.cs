using HotReload.ProcessBench;

// dotnet run -c Release --project bench/HotReload.ProcessBench -- <build|edit|state|hosts|scale|save-memory|hitch|stall|all> [--quick] [--feed DIR]
if (Options.Parse(args) is not { } options)
{
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

using var scratch = new Scratch();
var feed = options.FeedFolder is { } given ? PackageFeed.Use(given) : PackageFeed.Pack(Repository.Root, scratch.Root, scratch.PackagesFolder);
Console.WriteLine($"Packages: {feed.Folder} (version {feed.Version}); scratch folder {scratch.Root}");

if (options.Includes("build"))
{
    new BuildFigure(scratch, feed, options).Run();
}

if (options.Includes("edit"))
{
    new EditFigure(scratch, feed, options).Run();
}

if (options.Includes("state"))
{
    new StateFigure(scratch, feed, options).Run();
}

if (options.Includes("hosts"))
{
    new HostsFigure(scratch, feed, options).Run();
}

if (options.Includes("scale"))
{
    new ScaleFigure(scratch, feed, options).Run();
}

if (options.Includes("patch"))
{
    new PatchFigure(scratch, feed, options).Run();
}

if (options.Includes("save-memory"))
{
    new SaveMemoryFigure(scratch, feed, options).Run();
}

if (options.Includes("hitch"))
{
    new HitchFigure(scratch, feed, options).Run();
}

if (options.Includes("stall"))
{
    new StallFigure(scratch, feed, options).Run();
}

return 0;
