using System.Reflection;
using System.Xml.Linq;

namespace HotReload.EndToEnd.Tests;

/// <summary>
/// HotReload.Sdk and HotReload.Runtime packed from this repository's source into a temporary feed, once per test
/// run, with a NuGet package folder of the run's own: no copy from the user's cache is ever used.
/// </summary>
internal sealed class PackedFeed
{
    private static readonly Lazy<PackedFeed> Instance = new(Pack, LazyThreadSafetyMode.ExecutionAndPublication);

    private PackedFeed(string root, string version)
    {
        Root = root;
        Version = version;
    }

    public static PackedFeed Shared => Instance.Value;

    public static string RepositoryRoot =>
        typeof(PackedFeed).Assembly.GetCustomAttribute<RepositoryRootAttribute>()!.Path;

    public string Root { get; }

    public string FeedFolder => Path.Combine(Root, "feed");

    public string PackagesFolder => Path.Combine(Root, "packages");

    public string Version { get; }

    private static PackedFeed Pack()
    {
        var root = Path.Combine(Path.GetTempPath(), "hr-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(root);

        var feed = new PackedFeed(root, ReadVersion());

        // Pack a copy of the source, so the run never races the repository's own bin/ and obj/ folders.
        var source = Path.Combine(root, "source");
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "global.json", "nuget.config", "README.md" })
        {
            Directory.CreateDirectory(source);
            File.Copy(Path.Combine(RepositoryRoot, file), Path.Combine(source, file));
        }

        foreach (var folder in new[] { "sdk", "tasks", "runtime" })
        {
            CopySource(Path.Combine(RepositoryRoot, folder), Path.Combine(source, folder));
        }

        foreach (var project in new[] { "runtime/HotReload.Runtime.csproj", "sdk/HotReload.Sdk.csproj" })
        {
            DotNet.Run(source, feed.PackagesFolder, "pack", project, "-o", feed.FeedFolder).ShouldSucceed();
        }

        Assert.True(File.Exists(Path.Combine(feed.FeedFolder, $"HotReload.Sdk.{feed.Version}.nupkg")));
        Assert.True(File.Exists(Path.Combine(feed.FeedFolder, $"HotReload.Runtime.{feed.Version}.nupkg")));
        return feed;
    }

    private static void CopySource(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            if (Path.GetFileName(directory) is not ("bin" or "obj"))
            {
                CopySource(directory, Path.Combine(to, Path.GetFileName(directory)));
            }
        }
    }

    private static string ReadVersion() =>
        XDocument.Load(Path.Combine(RepositoryRoot, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;

    internal static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
