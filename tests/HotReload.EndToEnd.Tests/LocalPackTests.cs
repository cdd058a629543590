using System.Text.RegularExpressions;
using HotReload.Testing;

namespace HotReload.EndToEnd.Tests;

/// <summary>
/// The README's "Where the packages come from", word for word: `dotnet pack` at the root of a copy of the repository,
/// the README's nuget.config (with the copy's path) and global.json beside a library that names the SDK; then a
/// re-pack of the same version with a visible change, and the next build uses it. Everything runs with a NuGet package
/// folder of the test's own (NUGET_PACKAGES), as a user's shell would have its own.
/// </summary>
public sealed partial class LocalPackTests
{
    private const string SdkStamp = "HotReload.Sdk of the second pack";
    private const string RuntimeStamp = "HotReload.Runtime of the second pack";

    [Fact]
    public void The_readme_steps_build_a_reloadable_library_and_a_re_pack_is_used_by_the_next_build()
    {
        var root = Path.Combine(Path.GetTempPath(), "hr-pack-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var clone = Path.Combine(root, "hotreload");
            CopyRepository(PackedFeed.RepositoryRoot, clone);
            var packages = Path.Combine(root, "nuget-packages");
            var (nugetConfig, globalJson) = ReadmeSteps(File.ReadAllText(Path.Combine(clone, "README.md")));

            // 1. `dotnet pack` at the root.
            new DotNet(clone, packages).Run("pack").ShouldSucceed();
            var version = PackageFeed.Use(Path.Combine(clone, "artifacts", "packages")).Version;
            Assert.True(File.Exists(Path.Combine(clone, "artifacts", "packages", $"HotReload.Templates.{version}.nupkg")));

            // 2. and 3.: the README's nuget.config and global.json beside the user's library.
            var app = Path.Combine(root, "app");
            var library = Path.Combine(app, "Lib");
            Directory.CreateDirectory(library);
            Assert.Contains("/path/to/hotreload/artifacts/packages", nugetConfig);
            File.WriteAllText(Path.Combine(app, "nuget.config"), nugetConfig.Replace("/path/to/hotreload", clone));
            Assert.Contains($"\"HotReload.Sdk\": \"{version}\"", globalJson); // the README gives the version packed
            File.WriteAllText(Path.Combine(app, "global.json"), globalJson);
            File.WriteAllText(Path.Combine(library, "Lib.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <Sdk Name="HotReload.Sdk" />
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                  </PropertyGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(library, "Logic.cs"), "namespace Lib;\npublic static class Logic { public static int Step() => 1; }\n");

            var user = new DotNet(app, packages);
            var first = user.Run("build", "Lib").ShouldSucceed();
            Assert.Contains("(reloadable copy 1", first.Output);
            Assert.DoesNotContain(SdkStamp, first.Output);
            Assert.True(Directory.Exists(Path.Combine(packages, "hotreload.sdk", version)), "the build did not restore the SDK into NUGET_PACKAGES");

            // A re-pack of the same version, with a visible change in each package's targets.
            AddStamp(Path.Combine(clone, "sdk", "Sdk", "Sdk.targets"), "_SdkStamp", SdkStamp);
            AddStamp(Path.Combine(clone, "runtime", "buildTransitive", "HotReload.Runtime.targets"), "_RuntimeStamp", RuntimeStamp);
            var repack = new DotNet(clone, packages).Run("pack").ShouldSucceed();
            foreach (var id in new[] { "HotReload.Sdk", "HotReload.Runtime" })
            {
                var extracted = Path.Combine(packages, id.ToLowerInvariant(), version);
                Assert.Contains($"{id}: removed the extracted copy of {version} from {extracted} (the next restore takes the package just packed)", repack.Output);
                Assert.False(Directory.Exists(extracted));
            }

            // The next build takes both new packages: no stale copy shadows them, and global.json is unchanged.
            var second = user.Run("build", "Lib").ShouldSucceed();
            Assert.Contains(SdkStamp, second.Output);
            Assert.Contains(RuntimeStamp, second.Output);
        }
        finally
        {
            PackedFeed.TryDelete(root);
        }
    }

    /// <summary>The nuget.config and global.json code blocks of the README's "Where the packages come from".</summary>
    private static (string NuGetConfig, string GlobalJson) ReadmeSteps(string readme)
    {
        var start = readme.IndexOf("\n### Where the packages come from\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "the README has no section 'Where the packages come from'");
        var end = readme.IndexOf("\n#", start + 1, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        var blocks = CodeBlock().Matches(section).Select(m => (Language: m.Groups[2].Value, Text: Unindent(m.Groups[3].Value, m.Groups[1].Value))).ToList();
        return (blocks.Single(b => b.Language == "xml" && b.Text.Contains("<packageSources>", StringComparison.Ordinal)).Text,
            blocks.Single(b => b.Language == "json" && b.Text.Contains("msbuild-sdks", StringComparison.Ordinal)).Text);
    }

    private static string Unindent(string text, string indent) =>
        string.Join('\n', text.Split('\n').Select(l => l.StartsWith(indent, StringComparison.Ordinal) ? l[indent.Length..] : l));

    private static void AddStamp(string targetsFile, string target, string stamp)
    {
        var text = File.ReadAllText(targetsFile);
        var end = text.LastIndexOf("</Project>", StringComparison.Ordinal);
        Assert.True(end >= 0);
        File.WriteAllText(targetsFile, text[..end] + $"""
              <Target Name="{target}" AfterTargets="Build">
                <Message Importance="high" Text="{stamp}" />
              </Target>

            """ + text[end..]);
    }

    /// <summary>The repository as a clone has it, as far as `dotnet pack` at the root needs it: the root's files and
    /// the folders of the solution's projects, without bin/ and obj/.</summary>
    private static void CopyRepository(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from).Where(f => Path.GetFileName(f) != ".git"))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        // Read from the solution, so that a project added to it is never missing here.
        var folders = File.ReadLines(Path.Combine(from, "HotReload.Sdk.sln"))
            .Select(line => SolutionProject().Match(line))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value.Replace('\\', '/').Split('/')[0])
            .Distinct();
        foreach (var folder in folders)
        {
            SourceTree.Copy(Path.Combine(from, folder), Path.Combine(to, folder));
        }
    }

    // A project line of a .sln: the path of its .csproj.
    [GeneratedRegex("\"([^\"]+\\.csproj)\"")]
    private static partial Regex SolutionProject();

    // A fenced block, possibly indented (inside a list item): the indent, the language, the text.
    [GeneratedRegex(@"^([ \t]*)```(\w+)\n(.*?)\n[ \t]*```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
