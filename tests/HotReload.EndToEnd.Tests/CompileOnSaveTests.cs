using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using static HotReload.EndToEnd.Tests.LiveEdits;

namespace HotReload.EndToEnd.Tests;

/// <summary>
/// Save and it's live: a real host with its warm compiler, and edits saved to disk the ways editors save them. Nothing
/// runs `dotnet build` between the saves, except where a test says so.
/// </summary>
public sealed class CompileOnSaveTests
{
    [Fact]
    public void New_renamed_and_deleted_files_follow_the_build_globs()
    {
        using var ws = new Workspace();
        // A folder the project removes from its compile: a file saved there must not be compiled.
        ws.Edit(Path.Combine(ws.Library, "StateManipulation.csproj"), "<ProjectReference Include=\"../Common/Common.csproj\" />",
            "<ProjectReference Include=\"../Common/Common.csproj\" />\n    <Compile Remove=\"Drafts/**\" />");
        using var host = StartLiveHost(ws);

        // A new file, used from the entry point.
        var steps = Path.Combine(ws.Library, "Steps.cs");
        var at = host.Lines.Count;
        File.WriteAllText(steps, "namespace StateManipulation;\ninternal static class Steps { public const int Size = 4; }\n");
        File.WriteAllText(ws.LogicFile, Logic("Steps.Size"));
        WaitForStep(host, 4, at, "the new file to go live");

        // A file in a removed folder defines a clashing class: compiled, it would break the build.
        Directory.CreateDirectory(Path.Combine(ws.Library, "Drafts"));
        File.WriteAllText(Path.Combine(ws.Library, "Drafts", "Draft.cs"), "namespace StateManipulation;\ninternal static class Steps { }\n");

        // The file renamed, and its content changed.
        var sizes = Path.Combine(ws.Library, "Sizes.cs");
        at = host.Lines.Count;
        File.Move(steps, sizes);
        File.WriteAllText(sizes, "namespace StateManipulation;\ninternal static class Sizes { public const int Size = 5; }\n");
        File.WriteAllText(ws.LogicFile, Logic("Sizes.Size"));
        WaitForStep(host, 5, at, "the renamed file to go live");

        // The file deleted; a class of the same name is now declared in Logic.cs (a clash if the old file stayed).
        at = host.Lines.Count;
        File.Delete(sizes);
        File.WriteAllText(ws.LogicFile, Logic("Sizes.Size", "internal static class Sizes { public const int Size = 6; }"));
        WaitForStep(host, 6, at, "the compile without the deleted file to go live");

        // The project file edited while the host runs (a real build): a new file is listed by the project as it is now,
        // not as the compiler first read it.
        at = host.Lines.Count;
        ws.Edit(Path.Combine(ws.Library, "StateManipulation.csproj"), "<Compile Remove=\"Drafts/**\" />",
            "<Compile Remove=\"Drafts/**\" />\n    <Compile Remove=\"Later/**\" />");
        host.WaitFor(l => l.Contains("[hotreload] built in ", StringComparison.Ordinal), "the build for the project file's change", from: at);
        Directory.CreateDirectory(Path.Combine(ws.Library, "Later"));
        File.WriteAllText(Path.Combine(ws.Library, "Later", "Later.cs"), "namespace StateManipulation;\ninternal static class Sizes { }\n");
        File.WriteAllText(ws.LogicFile, Logic("Sizes.Size", "internal static class Sizes { public const int Size = 7; }"));
        WaitForStep(host, 7, at, "the save beside a file the edited project removes to go live");

        Assert.DoesNotContain(host.Lines, l => l.Text.Contains(": error ", StringComparison.Ordinal));
        Assert.Single(host.Lines, l => l.Text.Contains(" running", StringComparison.Ordinal));

        // Listed by the SDK's MSBuild inside the warm compiler, not by a `dotnet msbuild` process per new file.
        Assert.DoesNotContain(host.Lines, l => l.Text.Contains("listed with `dotnet msbuild`", StringComparison.Ordinal));
    }

    [Fact]
    public void A_compile_error_shows_in_the_host_and_its_fix_goes_live()
    {
        using var ws = new Workspace();
        using var host = StartLiveHost(ws);
        var copies = ws.Copies();

        var at = host.Lines.Count;
        File.WriteAllText(ws.LogicFile, Logic("undefinedStep"));
        var error = host.WaitFor(l => l.Contains("error CS0103", StringComparison.Ordinal), "the compile error in the host's output", from: at);
        var line = host.Lines[error].Text;
        Assert.StartsWith(ws.LogicFile + "(12,", line); // the compiler's own format: path(line,col): error CSxxxx: ...
        host.WaitFor(l => l.Contains("did not compile; generation 1 keeps running", StringComparison.Ordinal), "the host to say it keeps running", from: at);
        Assert.Equal(copies, ws.Copies()); // a failed compile publishes nothing

        // The host runs on, on the last good code.
        var last = Counters(host).Last().Value;
        host.WaitFor(l => long.TryParse(l, out var v) && v >= last + 5, "five more frames", from: error);

        // The fix, saved the way many editors save: written to a temporary file, renamed over the source.
        at = host.Lines.Count;
        var temporary = ws.LogicFile + ".tmp~";
        File.WriteAllText(temporary, Logic("3"));
        File.Move(temporary, ws.LogicFile, overwrite: true);
        WaitForStep(host, 3, at, "the fix to go live");
    }

    [Fact]
    public void A_crash_in_the_new_code_rolls_back_and_the_host_runs_on()
    {
        using var ws = new Workspace();
        using var host = StartLiveHost(ws); // the sample opts into ReloadOptions.RollbackOnException

        var at = host.Lines.Count;
        File.WriteAllText(ws.LogicFile, Logic("1; if (state.Counter > 0) throw new System.InvalidOperationException(\"boom\")"));
        var fault = host.WaitFor(l => l.Contains("HR2007: StateManipulation.Logic.UpdateAndRender threw InvalidOperationException in generation 2: boom", StringComparison.Ordinal),
            "the crash to be reported", from: at);
        Assert.Contains("Rolled back to generation 1", host.Lines[fault].Text, StringComparison.Ordinal);
        Assert.StartsWith(ws.LogicFile + "(12,", host.Lines[fault].Text); // canonical: path(line,col): error HR2007: ..., the throw's line

        // The loop goes on, on generation 1, with its state.
        var last = Counters(host).Last().Value;
        host.WaitFor(l => long.TryParse(l, out var v) && v >= last + 5, "five more frames on generation 1", from: fault);
        Assert.False(host.HasExited);

        at = host.Lines.Count;
        File.WriteAllText(ws.LogicFile, Logic("3"));
        WaitForStep(host, 3, at, "the fix to go live");
    }

    [Fact]
    public void A_burst_of_saves_makes_few_copies_and_the_last_content_wins()
    {
        using var ws = new Workspace();
        using var host = StartLiveHost(ws);
        var before = ws.Copies();

        var at = host.Lines.Count;
        for (var step = 11; step <= 20; step++)
        {
            // 10 saves 2 ms apart (a save-all, a formatter on save): closer than the compiler's 10 ms quiet window, so
            // a copy is emitted only once they have settled (or a few times), and one compiled while a newer save waits
            // is dropped. (20 ms apart
            // each save is a batch of its own, and how many copies are made then depends only on how fast each compile
            // is: a test of the machine, not of the burst.)
            File.WriteAllText(ws.LogicFile, Logic(step.ToString()));
            Thread.Sleep(2);
        }

        WaitForStep(host, 20, at, "the last save to go live");
        Thread.Sleep(1000); // nothing older may follow it
        var after = Counters(host, host.Lines.Count - 5);
        Assert.Equal(20, after[^1].Value - after[^2].Value);
        var made = ws.Copies().Except(before).Count();
        Assert.InRange(made, 1, 5);
    }

    [Fact]
    public void A_build_during_a_save_gets_its_own_number_and_both_copies_are_valid()
    {
        using var ws = new Workspace();
        using var host = StartLiveHost(ws);
        var before = ws.Copies();

        var at = host.Lines.Count;
        File.WriteAllText(ws.LogicFile, Logic("7"));
        var build = ws.BuildLibrary().ShouldSucceed();
        Assert.Contains("(reloadable copy ", build.Output);
        WaitForStep(host, 7, at, "the save to go live");
        host.WaitFor(l => l.Contains("live · built by dotnet build", StringComparison.Ordinal) || Counters(host, at).Count > 40, "the build's copy", from: at);

        var made = ws.Copies().Except(before).ToList();
        Assert.True(made.Count >= 2, $"expected a copy from the save and one from the build, found {string.Join(", ", made)}");
        foreach (var generation in made)
        {
            var dll = Path.Combine(ws.CopiesFolder, generation.ToString(), $"StateManipulation.{generation}.dll");
            using var pe = new PEReader(File.OpenRead(dll));
            var metadata = pe.GetMetadataReader();
            Assert.Equal($"StateManipulation.{generation}", metadata.GetString(metadata.GetAssemblyDefinition().Name));
        }

        Assert.DoesNotContain(host.Lines, l => l.Text.Contains("HR1002", StringComparison.Ordinal) || l.Text.Contains("HR2004", StringComparison.Ordinal));
    }

    [Fact]
    public void Killing_the_host_leaves_no_compiler_running()
    {
        using var ws = new Workspace();
        using var host = StartLiveHost(ws);
        var compilers = host.Children();
        Assert.NotEmpty(compilers);
        Assert.All(compilers, pid => Assert.Contains("HotReload.Compiler.dll", File.ReadAllText($"/proc/{pid}/cmdline")));

        host.KillHostOnly();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (compilers.Any(pid => Directory.Exists($"/proc/{pid}")) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        Assert.All(compilers, pid => Assert.False(HostProcess.IsRunning(pid), $"compiler process {pid} outlived the killed host"));
    }

    [Fact]
    public void HotReloadCompileOnSave_false_starts_no_compiler()
    {
        using var ws = new Workspace();
        ws.BuildHost("-p:HotReloadCompileOnSave=false").ShouldSucceed();
        using var host = ws.StartHost();
        host.WaitFor(l => l.Contains("live mode", StringComparison.Ordinal), "the host to start live");
        host.WaitFor(l => l == "10", "a few frames");
        Assert.Empty(host.Children());
        Assert.DoesNotContain(host.Lines, l => l.Text.Contains("compiling on save", StringComparison.Ordinal));
    }
}
