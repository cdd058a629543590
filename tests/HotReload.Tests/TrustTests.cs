extern alias compiler;

using HotReload.Runtime;
using HotReload.Tests.Shared;
using Microsoft.CodeAnalysis;
using DependencyHashes = compiler::HotReload.Compiler.DependencyHashes;
using Layout = compiler::HotReload.CopyLayout; // the format the build and the warm compiler write

namespace HotReload.Tests;

/// <summary>
/// What the runtime loads and refuses: private dependencies only from under the folders the host's build trusts and
/// with the hash the build recorded (HR2010), copies never through a link (HR2011).
/// </summary>
public sealed class TrustTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hr-trust-" + Guid.NewGuid().ToString("N"));
    private readonly CopyCompiler _compiler = new();

    public TrustTests()
    {
        Directory.CreateDirectory(Packages);
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Packages, "Dep.dll"), "a dependency the build resolved");
        File.WriteAllText(Path.Combine(Outside, "Dep.dll"), "a file somewhere else");
    }

    /// <summary>A trusted root: the NuGet package folder, say.</summary>
    private string Packages => Path.Combine(_root, "packages");

    private string Outside => Path.Combine(_root, "outside");

    private string ListFile => Path.Combine(_root, "dependencies.txt");

    private TrustedRoots Roots => TrustedRoots.Parse(Packages + ";");

    /// <summary>A list as the build writes it, with the hash of each file as it is now.</summary>
    private PrivateDependencies Read(TrustedRoots roots, Func<string, bool>? hostHas, params string[] paths)
    {
        Layout.WriteDependencyList(_root, paths, Layout.Sha256Of);
        return PrivateDependencies.Read(ListFile, roots, hostHas ?? (_ => false));
    }

    private static void AssertRefused(string code, Action action, params string[] mentions)
    {
        var refusal = Assert.Throws<HotReloadException>(action);
        Assert.StartsWith(code + ": ", refusal.Message);
        foreach (var mention in mentions)
        {
            Assert.Contains(mention, refusal.Message);
        }
    }

    [Fact]
    public void A_dependency_under_a_trusted_root_with_its_hash_loads_from_its_real_path()
    {
        var path = Path.Combine(Packages, "Dep.dll");
        Assert.Equal(path, Read(Roots, null, path).Verify("Dep"));
        Assert.Null(Read(Roots, null, path).Verify("Other")); // not listed: the default context resolves it
    }

    [Fact]
    public void A_dependency_outside_the_roots_refuses_the_list_and_names_file_roots_and_remedy()
    {
        var path = Path.Combine(Outside, "Dep.dll");
        AssertRefused("HR2010", () => Read(Roots, null, path), ListFile, path, Packages, "outside the folders the host's build trusts",
            "dotnet build", "stop the host, build it, and start it again");
    }

    [Fact]
    public void A_path_that_climbs_out_of_a_root_with_dot_dot_is_outside()
    {
        var path = Packages + "/../outside/Dep.dll";
        AssertRefused("HR2010", () => Read(Roots, null, path), path, "outside the folders");
    }

    [Fact]
    public void A_path_under_a_root_that_leads_out_through_a_link_is_refused_and_the_link_is_named()
    {
        Directory.CreateSymbolicLink(Path.Combine(Packages, "escape"), Outside);
        var path = Path.Combine(Packages, "escape", "Dep.dll");
        AssertRefused("HR2010", () => Read(Roots, null, path), path, "symbolic link", Path.Combine(Outside, "Dep.dll"));

        File.CreateSymbolicLink(Path.Combine(Packages, "Linked.dll"), Path.Combine(Outside, "Dep.dll")); // the file itself
        AssertRefused("HR2010", () => Read(Roots, null, Path.Combine(Packages, "Linked.dll")), "symbolic link");
    }

    [Fact]
    public void Links_inside_a_root_and_a_root_reached_through_a_link_are_fine()
    {
        Directory.CreateDirectory(Path.Combine(Packages, "real"));
        File.WriteAllText(Path.Combine(Packages, "real", "Dep.dll"), "in the root");
        Directory.CreateSymbolicLink(Path.Combine(Packages, "alias"), Path.Combine(Packages, "real"));
        Assert.Equal(Path.Combine(Packages, "real", "Dep.dll"), Read(Roots, null, Path.Combine(Packages, "alias", "Dep.dll")).Verify("Dep"));

        var linkedRoot = Path.Combine(_root, "cache"); // ~/.nuget/packages on another disk, say
        Directory.CreateSymbolicLink(linkedRoot, Packages);
        Assert.Equal(Path.Combine(Packages, "Dep.dll"), Read(TrustedRoots.Parse(linkedRoot), null, Path.Combine(linkedRoot, "Dep.dll")).Verify("Dep"));
    }

    [Fact]
    public void Links_that_loop_are_refused()
    {
        Directory.CreateSymbolicLink(Path.Combine(Packages, "a"), Path.Combine(Packages, "b"));
        Directory.CreateSymbolicLink(Path.Combine(Packages, "b"), Path.Combine(Packages, "a"));
        Assert.Null(RealPaths.Resolve(Path.Combine(Packages, "a", "Dep.dll")));
        File.WriteAllLines(ListFile, [new string('0', 64) + "\t" + Path.Combine(Packages, "a", "Dep.dll")]); // the build cannot read it, so lists none
        AssertRefused("HR2010", () => PrivateDependencies.Read(ListFile, Roots, _ => false), "loop");
    }

    [Fact]
    public void A_dependency_changed_since_the_build_listed_it_is_refused_when_it_loads()
    {
        var path = Path.Combine(Packages, "Dep.dll");
        var dependencies = Read(Roots, null, path);
        File.WriteAllText(path, "a file put in its place");
        AssertRefused("HR2010", () => dependencies.Verify("Dep"), path, ListFile, "changed since the build listed it", "dotnet build");
    }

    [Fact]
    public void A_dependency_the_host_has_is_not_checked_until_it_would_load()
    {
        // The host provides it, so the list's entry is never used: no reason to refuse the copy for it.
        var path = Path.Combine(Outside, "Dep.dll");
        var dependencies = Read(Roots, _ => true, path);
        AssertRefused("HR2010", () => dependencies.Verify("Dep"), path); // but a load from the list is still checked
    }

    [Fact]
    public void With_no_root_configured_nothing_loads_and_the_message_says_to_build_the_host()
    {
        AssertRefused("HR2010", () => Read(TrustedRoots.FromConfiguration("NoSuchLibrary"), null, Path.Combine(Packages, "Dep.dll")),
            "HotReload.DependencyRoots.NoSuchLibrary", "build the host");
    }

    [Theory]
    [InlineData("/packages/Dep.dll")] // a bare path, as lists were written before the hash
    [InlineData("0123\t/packages/Dep.dll")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\tpackages/Dep.dll")] // relative
    [InlineData("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\t/packages/Dep.dll")] // not as written
    public void A_line_not_as_the_build_writes_it_refuses_the_list(string line)
    {
        File.WriteAllLines(ListFile, [line]);
        AssertRefused("HR2010", () => PrivateDependencies.Read(ListFile, Roots, _ => false), "line 1 of '" + ListFile + "'");
    }

    [Fact]
    public void The_list_holds_a_hash_and_a_full_path_a_line_and_leaves_out_missing_files()
    {
        var present = Path.Combine(Packages, "Dep.dll");
        Layout.WriteDependencyList(_root, [present, Path.Combine(Packages, "Gone.dll"), Path.Combine(Packages, "Dep.pdb")], Layout.Sha256Of);
        var line = Assert.Single(File.ReadAllLines(ListFile));
        Assert.True(Layout.TryParseDependency(line, out var sha256, out var path));
        Assert.Equal(present, path);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(present))), sha256);
    }

    [Fact]
    public void The_warm_compiler_hashes_a_dependency_again_only_when_its_length_or_time_changes()
    {
        var path = Path.Combine(Packages, "Dep.dll");
        var hashes = new DependencyHashes();
        var first = hashes.Of(path);
        Assert.Equal(Layout.Sha256Of(path), first);

        var stamp = File.GetLastWriteTimeUtc(path);
        File.WriteAllText(path, "a dependency the build resolvex"); // same length, same time: taken as unchanged
        File.SetLastWriteTimeUtc(path, stamp);
        Assert.Equal(first, hashes.Of(path));

        File.SetLastWriteTimeUtc(path, stamp.AddSeconds(1));
        Assert.Equal(Layout.Sha256Of(path), hashes.Of(path));
        Assert.NotEqual(first, hashes.Of(path));
        Assert.Null(hashes.Of(Path.Combine(Packages, "Gone.dll")));
    }

    [Fact]
    public void A_copy_whose_folder_or_assembly_is_a_link_is_refused_before_anything_in_it_is_read()
    {
        var folder = new GenerationFolder(_compiler.CopiesDirectory, _compiler.Name, Roots);
        var elsewhere = Path.Combine(Outside, "copy");
        Directory.CreateDirectory(elsewhere);
        File.WriteAllText(Path.Combine(elsewhere, _compiler.Name + ".1.dll"), "not looked at");
        Directory.CreateSymbolicLink(Path.Combine(_compiler.CopiesDirectory, "1"), elsewhere);

        Assert.Equal(1, folder.Newest()); // picked, so that its refusal is heard
        AssertRefused("HR2011", () => folder.DependenciesOf(1), Path.Combine(_compiler.CopiesDirectory, "1"), elsewhere, "skipped");

        Directory.CreateDirectory(Path.Combine(_compiler.CopiesDirectory, "2"));
        File.CreateSymbolicLink(folder.AssemblyPathOf(2), Path.Combine(elsewhere, _compiler.Name + ".1.dll"));
        AssertRefused("HR2011", () => folder.DependenciesOf(2), folder.AssemblyPathOf(2), "the assembly of copy 2");
    }

    [Fact]
    public void A_linked_copy_is_skipped_with_HR2011_and_the_running_generation_stays()
    {
        using var reloadable = OpenOnFirstCopy(out var step, out var failures);

        // Copy 2 is a real copy, but reached through a link from the folder of copies.
        var elsewhere = Path.Combine(Outside, "2");
        CopyCompiler.Emit(_compiler.Name + ".2", Source("two"), Path.Combine(elsewhere, _compiler.Name + ".2.dll"));
        Directory.CreateSymbolicLink(Path.Combine(_compiler.CopiesDirectory, "2"), elsewhere);
        HostLoop.UpdateUntil(reloadable, () => failures.Count > 0, "the linked copy to be refused");

        var failure = Assert.Single(failures);
        Assert.Equal(2, failure.Generation);
        Assert.StartsWith("HR2011: ", failure.Message);
        Assert.Equal(1, reloadable.Generation);
        Assert.Equal("one", step.Invoke(new Counter()));

        _compiler.PublishCopy(3, Source("three"));
        HostLoop.UpdateUntil(reloadable, () => reloadable.Generation == 3, "copy 3 to go live");
        Assert.Equal("three", step.Invoke(new Counter()));
    }

    [Fact]
    public void A_changed_dependency_refuses_the_copy_that_loads_it_with_HR2010_and_the_running_generation_stays()
    {
        var helperName = "TrustHelper" + Guid.NewGuid().ToString("N")[..8];
        var helperPath = Path.Combine(Packages, helperName + ".dll");
        CopyCompiler.Emit(helperName, "namespace Helper; public static class Words { public static string Hello() => \"from helper\"; }", helperPath);
        AppContext.SetData(TrustedRoots.ConfigurationPrefix + _compiler.Name, Packages); // as the host's build names it

        using var reloadable = OpenOnFirstCopy(out var step, out var failures);

        // Copy 2 calls the helper from its entry point, so the helper loads while the copy is prepared.
        var staging = Path.Combine(_compiler.CopiesDirectory, ".staging-changed");
        CopyCompiler.Emit(_compiler.Name + ".2", Source("two").Replace("return \"two\"", "return Helper.Words.Hello()"),
            Path.Combine(staging, _compiler.Name + ".2.dll"), MetadataReference.CreateFromFile(helperPath));
        Layout.WriteDependencyList(staging, [helperPath], Layout.Sha256Of);
        CopyCompiler.Emit(helperName, "namespace Helper; public static class Words { public static string Hello() => \"replaced\"; }", helperPath);
        Directory.Move(staging, Path.Combine(_compiler.CopiesDirectory, "2"));
        HostLoop.UpdateUntil(reloadable, () => failures.Count > 0, "the copy to be refused");

        var failure = Assert.Single(failures);
        Assert.Equal(2, failure.Generation);
        Assert.StartsWith("HR2010: ", failure.Message);
        Assert.Contains(helperPath, failure.Message);
        Assert.Contains("changed since the build listed it", failure.Message);
        Assert.Equal(1, reloadable.Generation);
        Assert.Equal("one", step.Invoke(new Counter()));
    }

    private static string Source(string marker) => $$"""
        namespace Game;
        public static class Logic
        {
            public static string Step(HotReload.Tests.Shared.Counter counter) { counter.Value += 1; return "{{marker}}"; }
        }
        """;

    /// <summary>The static library and copy 1 ("one"), opened live with Step bound; refusals collected.</summary>
    private ReloadableLibrary OpenOnFirstCopy(out LiveFunc<Counter, string> step, out List<ReloadFailedEventArgs> failures)
    {
        var library = _compiler.CompileStatic(Source("static"));
        _compiler.PublishCopy(1, Source("one"));
        var reloadable = ReloadableLibrary.Open(library, _compiler.CopiesDirectory);
        step = reloadable.Bind(library.GetType("Game.Logic")!.GetMethod("Step")!.CreateDelegate<Func<Counter, string>>());
        var refused = new List<ReloadFailedEventArgs>();
        reloadable.ReloadFailed += (_, e) => refused.Add(e);
        failures = refused;
        return reloadable;
    }

    public void Dispose()
    {
        _compiler.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
