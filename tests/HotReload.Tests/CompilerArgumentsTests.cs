using HotReload.Sdk.Tasks;

namespace HotReload.Tests;

public class CompilerArgumentsTests
{
    private static readonly string[] BuildArguments =
    [
        "/noconfig",
        "/nullable:enable",
        "/define:TRACE;DEBUG",
        "/reference:/usr/share/dotnet/packs/ref/System.Runtime.dll",
        "/features:\"InterceptorsNamespaces=;Microsoft.Extensions.Validation.Generated\"",
        "/out:obj/Debug/net10.0/Lib.dll",
        "/refout:obj/Debug/net10.0/refint/Lib.dll",
        "/pdb:obj/Debug/net10.0/Lib.pdb",
        "/doc:obj/Debug/net10.0/Lib.xml",
        "/errorlog:obj/log.sarif",
        "/analyzer:/sdk/analyzers/Gen.dll",
        "/home/me/out.cs",
        "\"/home/me/my file.cs\"",
        "-langversion:14.0",
    ];

    [Fact]
    public void Copy_keeps_every_input_and_redirects_outputs()
    {
        var copy = new CompilerArguments(BuildArguments).ForCopy("/tmp/stage/Lib.3.dll", "/tmp/stage/Lib.3.pdb");

        Assert.Contains("/out:/tmp/stage/Lib.3.dll", copy);
        Assert.Contains("/pdb:/tmp/stage/Lib.3.pdb", copy);
        Assert.Contains("/home/me/out.cs", copy);
        Assert.Contains("\"/home/me/my file.cs\"", copy);
        Assert.Contains("/features:\"InterceptorsNamespaces=;Microsoft.Extensions.Validation.Generated\"", copy);
        Assert.Contains("/analyzer:/sdk/analyzers/Gen.dll", copy);
        Assert.Contains("-langversion:14.0", copy);
        Assert.Contains("/skipanalyzers+", copy);
        Assert.DoesNotContain(copy, a => a.StartsWith("/refout", StringComparison.Ordinal));
        Assert.DoesNotContain(copy, a => a.StartsWith("/doc", StringComparison.Ordinal));
        Assert.DoesNotContain(copy, a => a.StartsWith("/errorlog", StringComparison.Ordinal));
        Assert.DoesNotContain("/noconfig", copy);
        Assert.DoesNotContain(copy, a => a.Contains("obj/Debug/net10.0/Lib.dll", StringComparison.Ordinal));
    }

    [Fact]
    public void Noconfig_is_reported_for_the_real_command_line()
    {
        Assert.True(new CompilerArguments(BuildArguments).NoConfig);
        Assert.False(new CompilerArguments(["/out:a.dll"]).NoConfig);
    }

    [Fact]
    public void Output_path_with_spaces_is_quoted()
    {
        var copy = new CompilerArguments(["/out:a.dll"]).ForCopy("/tmp/my stage/Lib.1.dll", "/tmp/my stage/Lib.1.pdb");
        Assert.Contains("/out:\"/tmp/my stage/Lib.1.dll\"", copy);
    }

    [Theory]
    [InlineData("/out:x.dll", "out", true)]
    [InlineData("-OUT:x.dll", "out", true)]
    [InlineData("/outfile.cs", "out", false)]
    [InlineData("/out/x.cs", "out", false)]
    [InlineData("/out-dir/x.cs", "out", false)]
    [InlineData("/pdb+x/y.cs", "pdb", false)]
    [InlineData("/debug+", "debug", true)]
    [InlineData("/debug-", "debug", true)]
    [InlineData("/noconfig", "noconfig", true)]
    [InlineData("out:x", "out", false)]
    public void Options_are_told_apart_from_unix_paths(string argument, string option, bool expected) =>
        Assert.Equal(expected, CompilerArguments.IsOption(argument, option, out _));

    [Fact]
    public void HR1001_names_InternalsVisibleTo_only_when_the_compiler_shows_CS0122()
    {
        var ivt = CreateReloadableCopy.CopyFailureMessage("Lib", 1, ["/src/Lib/Logic.cs(3,9): error CS0122: 'Secret' is inaccessible due to its protection level"]);
        Assert.Contains("InternalsVisibleTo", ivt);

        var killed = CreateReloadableCopy.CopyFailureMessage("Lib", 137, []);
        Assert.DoesNotContain("InternalsVisibleTo", killed);
        Assert.Contains("exit code 137", killed);
        Assert.Contains("stopped (killed, or out of memory)", killed);

        var other = CreateReloadableCopy.CopyFailureMessage("Lib", 1, ["/src/Lib/Logic.cs(3,9): error CS0103: The name 'x' does not exist"]);
        Assert.DoesNotContain("InternalsVisibleTo", other);
        Assert.Contains("error CS0103", other);
    }

    [Fact]
    public void HR1002_advice_fits_the_cause()
    {
        var root = Path.Combine(Path.GetTempPath(), "hr-1002-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            var blocker = Path.Combine(root, "file");
            File.WriteAllText(blocker, "");
            Assert.Contains($"'{blocker}' is a file where a folder must be", ReloadableCopyTask.WhatToDo(Path.Combine(blocker, "copies"), new IOException("x")));
            Assert.Contains("writable", ReloadableCopyTask.WhatToDo(Path.Combine(root, "copies"), new UnauthorizedAccessException("x")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
