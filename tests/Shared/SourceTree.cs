namespace HotReload.Testing;

/// <summary>Copies of the repository's source, made so that test and benchmark builds never touch its own bin/ and obj/.</summary>
internal static class SourceTree
{
    /// <summary>Copies a folder, leaving out bin/ and obj/ (other builds may be writing them right now).</summary>
    public static void Copy(string from, string to)
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
                Copy(directory, Path.Combine(to, Path.GetFileName(directory)));
            }
        }
    }

    /// <summary>
    /// A copy of the sample (Common, StateManipulation, Host) set up as a user's repository would be: a nuget.config
    /// naming the packed feed, a global.json naming the SDK version, and empty Directory.Build files so that nothing
    /// above the folder applies.
    /// </summary>
    public static void CopySample(string repositoryRoot, string to, PackageFeed feed)
    {
        foreach (var project in new[] { "Common", "StateManipulation", "Host" })
        {
            Copy(Path.Combine(repositoryRoot, "sample", project), Path.Combine(to, project));
        }

        File.WriteAllText(Path.Combine(to, "global.json"), $$"""{ "msbuild-sdks": { "HotReload.Sdk": "{{feed.Version}}" } }""");
        WriteNuGetConfig(to, feed.Folder);
        File.WriteAllText(Path.Combine(to, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(to, "Directory.Build.targets"), "<Project />");
    }

    /// <summary>A nuget.config in <paramref name="folder"/> that adds the feed under test to the user's sources.</summary>
    public static void WriteNuGetConfig(string folder, string feedFolder) => File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <add key="hotreload-under-test" value="{feedFolder}" />
          </packageSources>
        </configuration>
        """);
}
