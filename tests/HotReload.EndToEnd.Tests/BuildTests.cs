using System.Reflection;

namespace HotReload.EndToEnd.Tests;

/// <summary>What a `dotnet build` of a reloadable library writes, and when.</summary>
public sealed class BuildTests
{
    [Fact]
    public void Each_compile_adds_the_next_copy_and_a_no_op_build_adds_none()
    {
        using var ws = new Workspace();
        ws.BuildLibrary().ShouldSucceed();
        Assert.Equal([1], ws.Copies());
        var first = Path.Combine(ws.CopiesFolder, "1", "StateManipulation.1.dll");
        Assert.True(File.Exists(first));
        Assert.True(File.Exists(Path.ChangeExtension(first, ".pdb")));
        Assert.Equal("StateManipulation.1", AssemblyName.GetAssemblyName(first).Name);

        // The runtime package came in implicitly, at the version the SDK was packed with.
        var assets = File.ReadAllText(Path.Combine(ws.Library, "obj", "project.assets.json"));
        Assert.Contains($"\"HotReload.Runtime/{PackedFeed.Shared.Version}\"", assets);

        var noOp = ws.BuildLibrary().ShouldSucceed();
        Assert.Equal([1], ws.Copies());
        Assert.DoesNotContain("reloadable copy", noOp.Output);

        ws.Edit(ws.LogicFile, "state.Counter += 1;", "state.Counter += 2;");
        var edit = ws.BuildLibrary().ShouldSucceed();
        Assert.Equal([1, 2], ws.Copies());
        Assert.Contains("(reloadable copy 2, ", edit.Output);
        Assert.Contains("compiled alongside it)", edit.Output); // the copy compiled in parallel with the normal compile
        Assert.Equal("StateManipulation.2", AssemblyName.GetAssemblyName(Path.Combine(ws.CopiesFolder, "2", "StateManipulation.2.dll")).Name);

        // Only a dependency changed (a new public member in Common): the library recompiles, so a copy is made.
        ws.Edit(Path.Combine(ws.Root, "Common", "State.cs"), "public long Counter { get; set; }", "public long Counter { get; set; }\n    public long Ticks { get; set; }");
        ws.BuildLibrary().ShouldSucceed();
        Assert.Equal([1, 2, 3], ws.Copies());

        // Pruning keeps the newest N.
        ws.Edit(ws.LogicFile, "state.Counter += 2;", "state.Counter += 3;");
        ws.BuildLibrary("-p:HotReloadKeepCopies=2").ShouldSucceed();
        Assert.Equal([3, 4], ws.Copies());

        // Deleting the newest copy never hands its number out again.
        Directory.Delete(Path.Combine(ws.CopiesFolder, "4"), recursive: true);
        ws.Edit(ws.LogicFile, "state.Counter += 3;", "state.Counter += 4;");
        ws.BuildLibrary().ShouldSucceed();
        Assert.Equal([3, 5], ws.Copies());
        Assert.DoesNotContain(Directory.EnumerateDirectories(ws.CopiesFolder), d => Path.GetFileName(d).StartsWith(".staging", StringComparison.Ordinal));
    }

    [Fact]
    public void A_new_source_file_changes_the_command_line_and_is_in_the_copy()
    {
        using var ws = new Workspace();
        ws.BuildLibrary().ShouldSucceed();
        File.WriteAllText(Path.Combine(ws.Library, "Extra.cs"), "namespace StateManipulation; public static class Extra { public const int Value = 42; }");
        var build = ws.BuildLibrary("-v:n").ShouldSucceed();
        Assert.Contains("is stale (the compiler arguments changed)", build.Output);
        Assert.Contains("Extra", TypeNames(Path.Combine(ws.CopiesFolder, "2", "StateManipulation.2.dll")));
    }

    private static IReadOnlyList<string> TypeNames(string assembly)
    {
        using var stream = File.OpenRead(assembly);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        return metadata.TypeDefinitions.Select(t => metadata.GetString(metadata.GetTypeDefinition(t).Name)).ToList();
    }

    [Fact]
    public void A_compile_with_LiveReload_off_that_adds_a_file_leaves_no_stale_command_line()
    {
        using var ws = new Workspace();
        ws.BuildLibrary().ShouldSucceed();

        // Off: a new file, used from Logic.cs. Its compile is the latest, and the next copy must be made from it.
        File.WriteAllText(Path.Combine(ws.Library, "Extra.cs"), "namespace StateManipulation; public static class Extra { public const int Value = 42; }");
        ws.Edit(ws.LogicFile, "state.Counter += 1;", "state.Counter += Extra.Value;");
        ws.BuildLibrary("-p:LiveReload=false").ShouldSucceed();

        // On again: nothing to compile, and the copy of that compile is made from its own command line.
        var on = ws.BuildLibrary().ShouldSucceed();
        Assert.DoesNotContain("HR1001", on.Output);
        Assert.Equal([1, 2], ws.Copies());
        Assert.Contains("Extra", TypeNames(Path.Combine(ws.CopiesFolder, "2", "StateManipulation.2.dll")));
    }

    [Fact]
    public void A_build_stopped_before_recording_its_command_line_leaves_no_stale_one()
    {
        using var ws = new Workspace();
        ws.BuildLibrary().ShouldSucceed();
        var recorded = Directory.GetFiles(Path.Combine(ws.Library, "obj"), "StateManipulation.hotreload.rsp", SearchOption.AllDirectories).Single();
        var before = File.ReadAllText(recorded);

        // A compile with a new file, whose command line never got recorded: as if the build was killed after
        // CoreCompile wrote obj/StateManipulation.dll.
        File.WriteAllText(Path.Combine(ws.Library, "Extra.cs"), "namespace StateManipulation; public static class Extra { public const int Value = 42; }");
        ws.Edit(ws.LogicFile, "state.Counter += 1;", "state.Counter += Extra.Value;");
        ws.BuildLibrary().ShouldSucceed();
        File.WriteAllText(recorded, before);

        var next = ws.BuildLibrary().ShouldSucceed();
        Assert.Contains("does not describe", next.Output); // it compiled again rather than trust the old command line
        Assert.DoesNotContain("HR1001", next.Output);
        var newest = ws.Copies().Max();
        Assert.Contains("Extra", TypeNames(Path.Combine(ws.CopiesFolder, newest.ToString(), $"StateManipulation.{newest}.dll")));
    }

    [Fact]
    public void Turning_LiveReload_on_copies_the_current_build_without_an_edit()
    {
        using var ws = new Workspace();
        ws.BuildLibrary("-p:LiveReload=false").ShouldSucceed();
        Assert.False(Directory.Exists(ws.CopiesFolder));
        ws.BuildLibrary().ShouldSucceed();
        Assert.Equal([1], ws.Copies());
    }

    [Fact]
    public void Props_extension_points_and_the_UsingHotReloadSdk_marker_work()
    {
        using var ws = new Workspace();
        var before = Path.Combine(ws.Root, "before.props");
        var after = Path.Combine(ws.Root, "after.props");
        File.WriteAllText(before, "<Project><PropertyGroup><HotReloadKeepCopies>1</HotReloadKeepCopies></PropertyGroup></Project>");
        File.WriteAllText(after, """
            <Project>
              <Target Name="ShowMarker" AfterTargets="Build"><Message Importance="high" Text="UsingHotReloadSdk=$(UsingHotReloadSdk)" /></Target>
            </Project>
            """);
        string[] properties = [$"-p:CustomBeforeHotReloadProps={before}", $"-p:CustomAfterHotReloadProps={after}"];

        var build = ws.BuildLibrary(properties).ShouldSucceed();
        Assert.Contains("UsingHotReloadSdk=true", build.Output);
        ws.Edit(ws.LogicFile, "state.Counter += 1;", "state.Counter += 2;");
        ws.BuildLibrary(properties).ShouldSucceed();
        Assert.Equal([2], ws.Copies()); // the value set before the SDK's props is kept: one copy only
    }

    [Fact]
    public async Task Two_builds_at_once_both_succeed_with_distinct_numbers()
    {
        using var ws = new Workspace();
        ws.BuildLibrary().ShouldSucceed();
        ws.Edit(ws.LogicFile, "state.Counter += 1;", "state.Counter += 2;");

        // An IDE and a terminal building the same library at the same moment.
        var builds = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => ws.BuildLibrary())));
        foreach (var build in builds)
        {
            build.ShouldSucceed();
            Assert.DoesNotContain("HR1002", build.Output);
        }

        var made = ws.Copies().Except([1]).ToList();
        Assert.NotEmpty(made); // at least one build compiled; each copy it made has a number of its own
        Assert.Equal(made.Count, builds.Sum(b => System.Text.RegularExpressions.Regex.Matches(b.Output, @"\(reloadable copy \d+").Count));
    }

    [Fact]
    public void Clean_removes_the_copies()
    {
        using var ws = new Workspace();
        ws.BuildLibrary().ShouldSucceed();
        Assert.Equal([1], ws.Copies());
        ws.Run("clean", "StateManipulation").ShouldSucceed();
        Assert.False(Directory.Exists(ws.CopiesFolder));
    }

    [Fact]
    public void Publish_and_pack_make_no_copies_and_a_published_host_runs_statically()
    {
        using var ws = new Workspace();
        var publish = Path.Combine(ws.Root, "published");
        ws.Run("publish", "Host", "-c", "Debug", "-o", publish).ShouldSucceed();
        Assert.False(Directory.Exists(ws.CopiesFolder));
        Assert.DoesNotContain("HotReload.Reloadable", File.ReadAllText(Path.Combine(publish, "Host.runtimeconfig.json")));

        ws.Run("pack", "StateManipulation", "-c", "Debug").ShouldSucceed();
        Assert.False(Directory.Exists(ws.CopiesFolder));
    }

    [Fact]
    public void Release_links_the_library_statically_and_the_runtime_says_so()
    {
        using var ws = new Workspace();
        ws.BuildHost("-c", "Release").ShouldSucceed();
        Assert.False(Directory.Exists(ws.CopiesFolder));
        Assert.DoesNotContain("HotReload.Reloadable", File.ReadAllText(Path.Combine(Path.GetDirectoryName(ws.HostAssembly("Release"))!, "Host.runtimeconfig.json")));

        using var host = ws.StartHost("Release", frames: 5);
        host.WaitFor(l => l == "2", "three frames");
        Assert.Empty(host.Children()); // no warm compiler, nothing at all started
        host.WaitFor(l => l == "4", "five frames");
        var lines = host.Lines.Select(l => l.Text).ToList();
        Assert.Contains(lines, l => l.Contains("StateManipulation: static mode (built with LiveReload=false)", StringComparison.Ordinal));
        Assert.Equal(["0", "1", "2", "3", "4"], lines.Where(l => !l.StartsWith('[')));
    }
}
