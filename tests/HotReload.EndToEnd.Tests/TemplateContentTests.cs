namespace HotReload.EndToEnd.Tests;

/// <summary>
/// The template's host is the sample's host under the template's names: its content must stand alone in the template
/// package, so it is a copy, and this keeps the copy from drifting (a fix to one goes to the other).
/// </summary>
public sealed class TemplateContentTests
{
    [Fact]
    public void The_template_host_is_the_sample_host_with_the_template_names()
    {
        var root = PackedFeed.RepositoryRoot;
        var sample = File.ReadAllText(Path.Combine(root, "sample", "Host", "Program.cs"));
        var template = File.ReadAllText(Path.Combine(root, "templates", "content", "hotreload", "HotReload-App.Host", "Program.cs"));

        Assert.Equal(WithoutNames(sample), WithoutNames(template));
    }

    [Fact]
    public void The_template_host_turns_patching_on_as_the_sample_host_does()
    {
        var root = PackedFeed.RepositoryRoot;
        foreach (var host in new[] { Path.Combine(root, "sample", "Host"), Path.Combine(root, "templates", "content", "hotreload", "HotReload-App.Host") })
        {
            using var settings = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(host, "Properties", "launchSettings.json")));
            var profile = Assert.Single(settings.RootElement.GetProperty("profiles").EnumerateObject()).Value;
            Assert.Equal("Project", profile.GetProperty("commandName").GetString());
            Assert.Equal("debug", profile.GetProperty("environmentVariables").GetProperty("DOTNET_MODIFIABLE_ASSEMBLIES").GetString());
        }
    }

    // The using directives (the projects' namespaces) and the usage line (the project's name) differ by design.
    private static string WithoutNames(string program) => string.Join('\n', program.ReplaceLineEndings("\n").Split('\n')
        .Where(line => !line.StartsWith("using ", StringComparison.Ordinal) && !line.StartsWith("// Usage:", StringComparison.Ordinal)));
}
