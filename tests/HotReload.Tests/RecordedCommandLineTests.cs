using HotReload.Sdk.Tasks;

namespace HotReload.Tests;

/// <summary>The recorded command line proves which compile it describes, so a stale one is never used.</summary>
public sealed class RecordedCommandLineTests : IDisposable
{
    private readonly CopyCompiler _compiler = new();

    private string ResponseFile => Path.Combine(_compiler.Root, "obj", "Lib.hotreload.rsp");

    private string Assembly(string name, string source)
    {
        var path = Path.Combine(_compiler.Root, "obj", name + ".dll");
        CopyCompiler.Emit("Lib", source, path);
        return path;
    }

    [Fact]
    public void It_describes_the_assembly_of_its_compile_and_no_other()
    {
        var first = Assembly("first", "public static class A { public static int V => 1; }");
        RecordedCommandLine.Write(ResponseFile, ["/target:library", "A.cs"], first);
        Assert.True(RecordedCommandLine.Describes(ResponseFile, first));
        Assert.Equal(["/target:library", "A.cs"], RecordedCommandLine.ReadArguments(ResponseFile));

        // Another compile wrote the assembly, and its command line was never recorded (the build was stopped).
        var second = Assembly("second", "public static class A { public static int V => 2; } public static class B { }");
        Assert.False(RecordedCommandLine.Describes(ResponseFile, second));
        Assert.False(RecordedCommandLine.Describes(Path.Combine(_compiler.Root, "missing.rsp"), first));
    }

    [Fact]
    public void An_unchanged_command_line_leaves_the_file_untouched()
    {
        var assembly = Assembly("lib", "public static class A { }");
        RecordedCommandLine.Write(ResponseFile, ["A.cs"], assembly);
        var written = File.GetLastWriteTimeUtc(ResponseFile);
        File.SetLastWriteTimeUtc(ResponseFile, written.AddMinutes(-5));
        RecordedCommandLine.Write(ResponseFile, ["A.cs"], assembly);
        Assert.Equal(written.AddMinutes(-5), File.GetLastWriteTimeUtc(ResponseFile));
        Assert.Null(RecordedCommandLine.ReadArguments(Path.Combine(_compiler.Root, "none.rsp")));
    }

    public void Dispose() => _compiler.Dispose();
}
