namespace HotReload.EndToEnd.Tests;

/// <summary>Bad input fails the build with an HR code, the file concerned and what to do; no copy appears.</summary>
public sealed class ErrorCodeTests
{
    [Theory]
    [InlineData("-p:LiveReload=maybe", "HR1003", "LiveReload is 'maybe'")]
    [InlineData("-p:HotReloadKeepCopies=0", "HR1004", "HotReloadKeepCopies is '0'")]
    public void Invalid_property_values_are_reported(string property, string code, string message)
    {
        using var ws = new Workspace();
        var build = ws.BuildLibrary(property).ShouldFail();
        Assert.Contains($"StateManipulation.csproj : error {code}: {message}", build.Output);
        Assert.Empty(ws.Copies());
    }

    [Fact]
    public void An_MSBuild_that_cannot_load_the_tasks_is_told_what_to_do_and_Release_still_builds()
    {
        using var ws = new Workspace();
        const string visualStudio = "-p:_HotReloadMSBuildRuntimeType=Full"; // what Visual Studio's MSBuild reports
        var build = ws.BuildLibrary(visualStudio).ShouldFail();
        Assert.Contains("StateManipulation.csproj : error HR1009: HotReload.Sdk's tasks run in the .NET SDK's MSBuild", build.Output);
        Assert.Empty(ws.Copies());

        ws.BuildLibrary(visualStudio, "-c", "Release").ShouldSucceed(); // LiveReload=false needs no task
    }

    [Fact]
    public void A_program_cannot_be_made_reloadable()
    {
        using var ws = new Workspace();
        ws.Edit(Path.Combine(ws.Library, "StateManipulation.csproj"), "<TargetFramework>", "<OutputType>Exe</OutputType>\n    <TargetFramework>");
        File.WriteAllText(Path.Combine(ws.Library, "Main.cs"), "System.Console.WriteLine();");
        var build = ws.BuildLibrary().ShouldFail();
        Assert.Contains("error HR1006: HotReload.Sdk makes class libraries reloadable, and this project's OutputType is 'Exe'", build.Output);
    }

    [Fact]
    public void A_project_in_another_language_is_refused()
    {
        using var ws = new Workspace();
        var folder = Path.Combine(ws.Root, "VisualBasicLibrary");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "VisualBasicLibrary.vbproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="HotReload.Sdk" />
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Logic.vb"), "Public Module Logic\nEnd Module\n");
        var build = ws.Run("build", "VisualBasicLibrary").ShouldFail();
        Assert.Contains("VisualBasicLibrary.vbproj : error HR1005: HotReload.Sdk supports C# projects only, and this project's language is 'VB'", build.Output);
    }

    [Fact]
    public void An_unwritable_folder_of_copies_is_reported_and_names_the_folder()
    {
        using var ws = new Workspace();
        var blocker = Path.Combine(ws.Root, "not-a-folder");
        File.WriteAllText(blocker, "a file where the folder of copies should be");
        var build = ws.BuildLibrary($"-p:HotReloadOutputPath={blocker}/copies/").ShouldFail();
        Assert.Contains("error HR1002: Cannot write the reloadable copy to '" + blocker + "/copies/'", build.Output);
        Assert.Contains($"'{blocker}' is a file where a folder must be", build.Output); // the cause, not "make it writable"

        // The library itself was compiled and copied to bin/, as if the SDK were absent; only its copy failed.
        var output = Path.Combine(ws.Library, "bin", "Debug", "net10.0", "StateManipulation.dll");
        Assert.True(File.Exists(output), "the library's own output is missing");
        Assert.True(File.GetLastWriteTimeUtc(output) >= File.GetLastWriteTimeUtc(Path.Combine(ws.Library, "obj", "Debug", "net10.0", "StateManipulation.dll")));

        // As a warning, on request: the build succeeds.
        var lenient = ws.BuildLibrary($"-p:HotReloadOutputPath={blocker}/copies/", "-p:HotReloadCopyErrorsAsWarnings=true").ShouldSucceed();
        Assert.Contains("warning HR1002", lenient.Output);
    }

    [Fact]
    public void A_copy_that_fails_to_compile_alone_is_reported_with_the_compilers_errors()
    {
        // Common grants its internals to "StateManipulation" only, so the copy StateManipulation.N cannot see them.
        using var ws = new Workspace();
        File.WriteAllText(Path.Combine(ws.Root, "Common", "Internals.cs"), """
            [assembly: System.Runtime.CompilerServices.InternalsVisibleTo("StateManipulation")]
            namespace Common;
            internal static class Secret { internal static long Step => 1; }
            """);
        ws.Edit(ws.LogicFile, "state.Counter += 1;", "state.Counter += Secret.Step;");
        var build = ws.BuildLibrary().ShouldFail();
        Assert.Contains("error CS0122", build.Output);
        Assert.Contains("error HR1001: Compiling the reloadable copy of 'StateManipulation' failed", build.Output);
        Assert.Contains("The compiler reports CS0122", build.Output);
        Assert.True(File.Exists(Path.Combine(ws.Library, "bin", "Debug", "net10.0", "StateManipulation.dll")), "the library's own output is missing");
        Assert.Empty(ws.Copies());
    }
}
