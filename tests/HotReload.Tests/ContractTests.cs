using HotReload;

namespace HotReload.Tests;

/// <summary>The contracts between the build, the warm compiler and the runtime: the manifest and the protocol lines.</summary>
public sealed class ContractTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "hr-manifest-" + Guid.NewGuid().ToString("N") + CompileManifest.FileExtension);

    [Fact]
    public void A_published_line_round_trips()
    {
        var line = CompilerProtocol.PublishedLine(12, TimeSpan.FromMilliseconds(15.04), TimeSpan.FromMilliseconds(40.5));
        var (verb, text) = CompilerProtocol.Split(line);
        Assert.Equal(CompilerProtocol.Published, verb);
        Assert.True(CompilerProtocol.TryParsePublished(text, out var generation, out var debounce, out var compile));
        Assert.Equal(12, generation);
        Assert.Equal(15.0, debounce.TotalMilliseconds, 1); // a tenth of a millisecond is kept
        Assert.Equal(40.5, compile.TotalMilliseconds, 1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("x 1 2")]
    [InlineData("-3 1 2")]
    public void A_malformed_published_line_is_not_read(string text) =>
        Assert.False(CompilerProtocol.TryParsePublished(text, out _, out _, out _));

    [Fact]
    public void A_diagnostic_keeps_its_text_on_one_line()
    {
        var (verb, text) = CompilerProtocol.Split(CompilerProtocol.Line(CompilerProtocol.Diagnostic, "/a b/Logic.cs(3,4): error CS0103: x\ny"));
        Assert.Equal(CompilerProtocol.Diagnostic, verb);
        Assert.Equal("/a b/Logic.cs(3,4): error CS0103: x y", text);
    }

    [Fact]
    public void The_manifest_reads_values_and_lists()
    {
        File.WriteAllLines(_file,
        [
            "assembly-name=Lib", "project-file=/src/Lib/Lib.csproj", "configuration=Debug", "keep-copies=3",
            "build-file=/src/Directory.Build.props", "build-file=/src/Directory.Build.targets", "runtime-dependency=/p/a=b.dll", "",
        ]);
        var manifest = CompileManifest.Read(_file);
        Assert.Equal("Lib", manifest.AssemblyName);
        Assert.Equal("/src/Lib", manifest.ProjectDirectory);
        Assert.Equal(3, manifest.KeepCopies);
        Assert.Equal(["/src/Directory.Build.props", "/src/Directory.Build.targets"], manifest.BuildFiles);
        Assert.Equal(["/p/a=b.dll"], manifest.RuntimeDependencies); // only the first '=' separates
        Assert.Empty(manifest.ReferencedProjects);
        Assert.Equal("", manifest.TargetFramework);
    }

    [Fact]
    public void A_missing_manifest_value_names_the_key_and_what_to_do()
    {
        File.WriteAllLines(_file, ["assembly-name=Lib"]);
        var e = Assert.Throws<InvalidDataException>(() => CompileManifest.Read(_file).ResponseFile);
        Assert.Contains("'response-file'", e.Message);
        Assert.Contains("build the library again", e.Message);
    }

    public void Dispose() => File.Delete(_file);
}
