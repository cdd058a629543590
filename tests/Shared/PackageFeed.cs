using System.Text.RegularExpressions;

namespace HotReload.Testing;

/// <summary>A folder holding HotReload.Sdk and HotReload.Runtime .nupkg files of one version.</summary>
internal sealed partial record PackageFeed(string Folder, string Version)
{
    /// <summary>
    /// Packs both packages from a copy of the repository's sdk/, tasks/, compiler/ and runtime/ (and templates/, for
    /// <see cref="PackTemplates"/>) made in <paramref name="workFolder"/>: never in place, where other builds own bin/ and obj/.
    /// </summary>
    public static PackageFeed Pack(string repositoryRoot, string workFolder, string packagesFolder)
    {
        var source = Path.Combine(workFolder, "source");
        Directory.CreateDirectory(source);
        // README.md: both packages carry it.
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "global.json", "nuget.config", "README.md" })
        {
            File.Copy(Path.Combine(repositoryRoot, file), Path.Combine(source, file));
        }

        foreach (var folder in new[] { "sdk", "tasks", "compiler", "diagnosis", "runtime", "templates" })
        {
            SourceTree.Copy(Path.Combine(repositoryRoot, folder), Path.Combine(source, folder));
        }

        var feed = Path.Combine(workFolder, "feed");
        var dotnet = new DotNet(source, packagesFolder);
        foreach (var project in new[] { "runtime/HotReload.Runtime.csproj", "sdk/HotReload.Sdk.csproj" })
        {
            dotnet.Run("pack", project, "-o", feed).ThrowIfFailed();
        }

        return Use(feed);
    }

    /// <summary>
    /// Packs HotReload.Templates from the copy of the source that <see cref="Pack"/> made in <paramref name="workFolder"/>,
    /// into a folder of its own (not the feed); returns the package's path.
    /// </summary>
    public static string PackTemplates(string workFolder, string packagesFolder)
    {
        var output = Path.Combine(workFolder, "templates");
        new DotNet(Path.Combine(workFolder, "source"), packagesFolder)
            .Run("pack", "templates/HotReload.Templates.csproj", "-o", output).ThrowIfFailed();
        return Directory.EnumerateFiles(output, "HotReload.Templates.*.nupkg").Single();
    }

    /// <summary>Packages packed earlier; the version is read from the file names.</summary>
    public static PackageFeed Use(string folder)
    {
        var versions = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "HotReload.Sdk.*.nupkg")
                .Select(f => SdkPackageName().Match(Path.GetFileName(f)))
                .Where(m => m.Success)
                .Select(m => m.Groups[1].Value)
                .Where(v => File.Exists(Path.Combine(folder, $"HotReload.Runtime.{v}.nupkg")))
                .ToList()
            : [];
        return versions.Count == 1
            ? new PackageFeed(folder, versions[0])
            : throw new InvalidOperationException(
                $"'{folder}' must hold HotReload.Sdk.V.nupkg and HotReload.Runtime.V.nupkg of exactly one version V (found {versions.Count}).");
    }

    [GeneratedRegex(@"^HotReload\.Sdk\.(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\.nupkg$")]
    private static partial Regex SdkPackageName();
}
