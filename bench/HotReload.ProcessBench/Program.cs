using HotReload.ProcessBench;

// dotnet run -c Release --project bench/HotReload.ProcessBench -- <build|edit|all> [--quick] [--feed DIR]
if (Options.Parse(args) is not { } options)
{
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

using var scratch = new Scratch();
var feed = options.FeedFolder is { } given ? PackageFeed.Use(given) : PackageFeed.Pack(Repository.Root, scratch.Root, scratch.PackagesFolder);
Console.WriteLine($"Packages: {feed.Folder} (version {feed.Version}); scratch folder {scratch.Root}");

if (options.Figure is "build" or "all")
{
    new BuildFigure(scratch, feed, options).Run();
}

if (options.Figure is "edit" or "all")
{
    new EditFigure(scratch, feed, options).Run();
}

return 0;
