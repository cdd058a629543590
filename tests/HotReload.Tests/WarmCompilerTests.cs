extern alias compiler;

using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using compiler::HotReload.Compiler;

namespace HotReload.Tests;

/// <summary>The warm compiler's small decisions: which files changed, what a compile error looks like, when a batch of
/// file events is complete, and how MSBuild's item list is read.</summary>
public sealed class WarmCompilerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hr-warm-" + Guid.NewGuid().ToString("N"));

    public WarmCompilerTests() => Directory.CreateDirectory(_root);

    private string A => Path.Combine(_root, "A.cs");

    private string B => Path.Combine(_root, "B.cs");

    /// <summary>A command line as the build records it: one argument a line, sources relative to the project folder.</summary>
    private WarmCompilation Load(params string[] sources)
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is "System.Private.CoreLib.dll" or "System.Runtime.dll");
        var rsp = Path.Combine(_root, "Lib.rsp");
        File.WriteAllLines(rsp, ["/target:library", "/out:obj/Lib.dll", "/nullable:enable", "/debug:portable",
            .. platform.Select(p => "/reference:" + p), .. sources.Select(Path.GetFileName)!]);
        return WarmCompilation.Load(rsp, _root, new AnalyzerLoader());
    }

    [Fact]
    public void A_copy_is_emitted_under_the_numbered_name_with_its_pdb()
    {
        File.WriteAllText(A, "public static class A { public static int Value => 1; }");
        var output = Load(A).Emit("Lib.7");
        Assert.Empty(output.Errors);
        Assert.NotNull(output.Pdb);
        using var pe = new PEReader(new MemoryStream(output.Assembly!));
        var metadata = pe.GetMetadataReader();
        Assert.Equal("Lib.7", metadata.GetString(metadata.GetAssemblyDefinition().Name));
    }

    [Fact]
    public void Only_files_whose_content_changed_are_parsed_again()
    {
        File.WriteAllText(A, "public static class A { public static int Value => 1; }");
        File.WriteAllText(B, "public static class B { public static int Value => A.Value; }");
        var warm = Load(A, B);
        Assert.Empty(warm.Update([A, B]));

        File.WriteAllText(B, "public static class B { public static int Value => A.Value + 1; }");
        Assert.Equal([B], warm.Update([A, B]));

        // Written again with the same content: a new time stamp, nothing to compile.
        File.WriteAllText(A, File.ReadAllText(A));
        File.SetLastWriteTimeUtc(A, DateTime.UtcNow.AddMinutes(1));
        Assert.Empty(warm.Update([A, B]));
    }

    [Fact]
    public void An_edit_that_keeps_length_and_time_stamp_is_found_when_a_file_event_names_it()
    {
        File.WriteAllText(A, "public static class A { public static int Value => 1; }");
        var warm = Load(A);
        var stamp = File.GetLastWriteTimeUtc(A);

        File.WriteAllText(A, "public static class A { public static int Value => 2; }"); // same length
        File.SetLastWriteTimeUtc(A, stamp); // a coarse clock: the same time stamp
        Assert.Empty(warm.Update([A])); // no event: the stamp is trusted
        Assert.Equal([A], warm.Update([A], new HashSet<string> { A })); // an event named it: the content decides
    }

    [Fact]
    public void Added_and_removed_files_change_the_compile()
    {
        File.WriteAllText(A, "public static class A { public static int Value => B.Value; }");
        File.WriteAllText(B, "public static class B { public static int Value => 1; }");
        var warm = Load(A, B);

        File.WriteAllText(A, "public static class A { public static int Value => 2; } public static class B { }");
        Assert.Equal([B, A], warm.Update([A])); // B.cs removed: otherwise B would be declared twice
        Assert.Empty(warm.Emit("Lib.2").Errors);

        var c = Path.Combine(_root, "C.cs");
        File.WriteAllText(c, "public static class C { public static int Value => A.Value; }");
        Assert.Equal([c], warm.Update([A, c]));
        Assert.Equal([A, c], warm.SourcePaths);
        Assert.Empty(warm.Emit("Lib.3").Errors);
    }

    [Fact]
    public void Errors_come_in_the_compilers_own_format()
    {
        File.WriteAllText(A, "public static class A { public static int Value => missing; }");
        var output = Load(A).Emit("Lib.2");
        Assert.Null(output.Assembly);
        var error = Assert.Single(output.Errors);
        Assert.StartsWith(A + "(1,52): error CS0103: ", error);
    }

    [Fact]
    public void File_events_are_taken_at_the_first_and_settle_once_the_files_are_quiet()
    {
        var folder = Path.Combine(_root, "watched");
        Directory.CreateDirectory(folder);
        // A wide quiet window: under a loaded CI machine a 5 ms sleep can outlast the default 10 ms window, which would
        // test the scheduler rather than the settling.
        var quiet = TimeSpan.FromMilliseconds(400);
        using var events = new FileEvents(path => !path.Contains("ignored", StringComparison.Ordinal), quiet);
        events.Watch(folder, recursive: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        // Taken at once: the compile starts at a save's first event, not after the window.
        File.WriteAllText(Path.Combine(folder, "ignored.cs"), "x");
        File.WriteAllText(Path.Combine(folder, "One.cs"), "1");
        var taken = events.Take(timeout.Token)!;
        Assert.True(taken.SinceFirstSeen < quiet, $"taken {taken.SinceFirstSeen.TotalMilliseconds} ms after the first event");

        // What comes while it compiles is handed out by Settle, once the files have been quiet for the window.
        Thread.Sleep(5);
        File.WriteAllText(Path.Combine(folder, "Two.cs"), "2");
        var written = Stopwatch.StartNew();
        var later = events.Settle(timeout.Token)!;
        Assert.True(written.Elapsed >= quiet - TimeSpan.FromMilliseconds(5), $"settled {written.Elapsed.TotalMilliseconds} ms after the last write");

        Assert.Contains("One.cs", taken.Events.Select(e => Path.GetFileName(e.Path)));
        Assert.Contains("Two.cs", later.Select(e => Path.GetFileName(e.Path)));
        Assert.Equal(["One.cs", "Two.cs"], taken.Events.Concat(later).Select(e => Path.GetFileName(e.Path)).Distinct().Order().ToList());
        Assert.False(events.HasPending);
        Assert.Empty(events.Settle(timeout.Token)!); // quiet, nothing new: the save taken was whole

        // Events given back (the compile was dropped for them) are taken again at once.
        events.Requeue(later.Take(1));
        Assert.True(events.HasPending);
        Assert.Single(events.Take(timeout.Token)!.Events);
    }

    [Fact]
    public void A_source_holds_on_disk_what_was_compiled_until_it_is_written_with_other_content()
    {
        File.WriteAllText(A, "public static class A { public static int Value => 1; }");
        var compilation = Load(A);
        var path = compilation.SourcePaths.Single();
        Assert.True(compilation.HoldsOnDisk(path));

        File.WriteAllText(A, "public static class A { public static int Value => 1; } // more");
        Assert.False(compilation.HoldsOnDisk(path)); // a later write: the compile read the file too early

        File.WriteAllText(A, "public static class A { public static int Value => 1; }");
        Assert.True(compilation.HoldsOnDisk(path)); // the same write seen twice

        Assert.False(compilation.HoldsOnDisk(Path.Combine(_root, "Other.cs"))); // not a source of the compilation
        File.Delete(A);
        Assert.False(compilation.HoldsOnDisk(path));
    }

    [Fact]
    public async Task Take_returns_null_once_cancelled()
    {
        using var events = new FileEvents(_ => true);
        using var cancellation = new CancellationTokenSource();
        var take = Task.Run(() => events.Take(cancellation.Token));
        Thread.Sleep(50);
        cancellation.Cancel();
        events.Wake();
        Assert.Null(await take.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void MSBuilds_item_list_is_read_in_order()
    {
        const string json = """
            {
              "Items": {
                "Compile": [
                  { "Identity": "Logic.cs", "FullPath": "/src/Lib/Logic.cs" },
                  { "Identity": "Sub/Steps.cs", "FullPath": "/src/Lib/Sub/Steps.cs" }
                ]
              }
            }
            """;
        Assert.Equal(["/src/Lib/Logic.cs", "/src/Lib/Sub/Steps.cs"], ProjectItems.Parse("MSBuild version 18\n" + json));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
