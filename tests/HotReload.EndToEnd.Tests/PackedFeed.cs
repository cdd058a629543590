using System.Reflection;
using HotReload.Testing;

namespace HotReload.EndToEnd.Tests;

/// <summary>
/// HotReload.Sdk and HotReload.Runtime packed from this repository's source into a temporary feed, once per test
/// run, with a NuGet package folder of the run's own: no copy from the user's cache is ever used. HotReload.Templates
/// is packed from the same source when a test first asks for it.
/// </summary>
internal sealed class PackedFeed
{
    private static readonly Lazy<PackedFeed> Instance = new(Pack, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Lazy<string> _templatePackage;

    private PackedFeed(string root, PackageFeed feed)
    {
        Root = root;
        Feed = feed;
        _templatePackage = new(() => PackageFeed.PackTemplates(Root, PackagesFolder), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public static PackedFeed Shared => Instance.Value;

    public static string RepositoryRoot =>
        typeof(PackedFeed).Assembly.GetCustomAttribute<RepositoryRootAttribute>()!.Path;

    public string Root { get; }

    public PackageFeed Feed { get; }

    public string PackagesFolder => Path.Combine(Root, "packages");

    public string Version => Feed.Version;

    /// <summary>HotReload.Templates.V.nupkg, packed from the same copy of the source on first use.</summary>
    public string TemplatePackage => _templatePackage.Value;

    private static PackedFeed Pack()
    {
        var root = Path.Combine(Path.GetTempPath(), "hr-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(root);
        return new PackedFeed(root, PackageFeed.Pack(RepositoryRoot, root, Path.Combine(root, "packages")));
    }

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
