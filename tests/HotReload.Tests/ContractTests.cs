extern alias compiler;

using HotReload;
using Layout = compiler::HotReload.CopyLayout; // compiled into the task, the runtime and the compiler alike

namespace HotReload.Tests;

/// <summary>The contracts between the build, the warm compiler and the runtime: the manifest and the protocol lines.</summary>
public sealed class ContractTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "hr-manifest-" + Guid.NewGuid().ToString("N") + CompileManifest.FileExtension);

    [Fact]
    public void A_published_line_round_trips()
    {
        var (verb, text) = CompilerProtocol.Split(CompilerProtocol.PublishedLine(12));
        Assert.Equal(CompilerProtocol.Published, verb);
        Assert.True(CompilerProtocol.TryParsePublished(text, out var generation));
        Assert.Equal(12, generation);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("x")]
    [InlineData("-3")]
    [InlineData("12 1 2")]
    public void A_malformed_published_line_is_not_read(string text) =>
        Assert.False(CompilerProtocol.TryParsePublished(text, out _));

    [Fact]
    public void Save_timings_travel_inside_the_copy_folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "hr-copy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            Assert.False(Layout.TryReadSaveTimings(folder, out _, out _)); // a build's copy has none
            Layout.WriteSaveTimings(folder, TimeSpan.FromMilliseconds(15.04), TimeSpan.FromMilliseconds(40.5));
            Assert.True(Layout.TryReadSaveTimings(folder, out var debounce, out var compile));
            Assert.Equal(15.0, debounce.TotalMilliseconds, 1);
            Assert.Equal(40.5, compile.TotalMilliseconds, 1);

            File.WriteAllText(Path.Combine(folder, Layout.SaveTimingsFileName), "debounce-ms=x");
            Assert.False(Layout.TryReadSaveTimings(folder, out _, out _));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

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
