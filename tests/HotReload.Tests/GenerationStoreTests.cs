extern alias compiler;
using HotReload.Sdk.Tasks;
using Layout = compiler::HotReload.CopyLayout; // one source, compiled into the task, the runtime and the compiler alike

namespace HotReload.Tests;

public sealed class GenerationStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hr-store-" + Guid.NewGuid().ToString("N"));

    private string Copies => Path.Combine(_root, "reloaded");

    private GenerationStore NewStore() => new(Copies, Path.Combine(_root, "obj", "last"));

    private int PublishOne(GenerationStore store)
    {
        var n = store.ReserveNext();
        using var staging = store.CreateStagingFolder();
        File.WriteAllText(Path.Combine(staging.Path, $"Lib.{n}.dll"), "x");
        store.Publish(staging, n);
        return n;
    }

    [Fact]
    public void Numbers_start_at_one_and_grow()
    {
        var store = NewStore();
        Assert.Equal(1, PublishOne(store));
        Assert.Equal(2, PublishOne(store));
        Assert.Equal(3, PublishOne(store));
        Assert.Equal([3, 2, 1], store.PublishedGenerations());
    }

    [Fact]
    public void Deleting_the_newest_folder_never_reuses_its_number()
    {
        var store = NewStore();
        PublishOne(store);
        PublishOne(store);
        Directory.Delete(store.FolderOf(2), recursive: true);
        Assert.Equal(3, PublishOne(store));
    }

    [Fact]
    public void Gaps_and_foreign_folders_are_handled()
    {
        Directory.CreateDirectory(Path.Combine(Copies, "7"));
        Directory.CreateDirectory(Path.Combine(Copies, "notes"));
        Directory.CreateDirectory(Path.Combine(Copies, "007"));
        Directory.CreateDirectory(Path.Combine(Copies, "3"));
        var store = NewStore();
        Assert.Equal([7, 3], store.PublishedGenerations());
        Assert.Equal(["007", "notes"], store.SkippedFolders());
        Assert.Equal(8, PublishOne(store));
    }

    [Fact]
    public void Concurrent_writers_never_get_the_same_number()
    {
        // Separate stores, each opening the lock file itself: the same exclusion as between processes (flock).
        var numbers = new System.Collections.Concurrent.ConcurrentBag<int>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var store = NewStore();
            for (var i = 0; i < 25; i++)
            {
                numbers.Add(store.ReserveNext());
            }
        });

        Assert.Equal(Enumerable.Range(1, 200), numbers.Order());
    }

    [Fact]
    public void A_reserved_number_is_never_handed_out_again_even_unpublished()
    {
        var store = NewStore();
        Assert.Equal(1, store.ReserveNext()); // a compile that failed: never published
        Assert.Equal(2, PublishOne(store));
        Assert.Equal([2], store.PublishedGenerations());
    }

    [Fact]
    public void TryReserve_takes_a_number_only_while_it_is_the_next()
    {
        var store = NewStore();
        var peeked = store.NextGeneration();
        Assert.Equal(1, peeked);
        Assert.Equal(1, NewStore().ReserveNext()); // another writer got there first
        Assert.False(store.TryReserve(peeked));
        Assert.True(store.TryReserve(store.NextGeneration()));
        Assert.Equal(3, store.NextGeneration());
    }

    [Fact]
    public void Peeking_the_next_number_takes_nothing()
    {
        var store = NewStore();
        Assert.Equal(1, store.NextGeneration());
        Assert.Equal(1, store.NextGeneration());
        Assert.True(store.TryReserve(1));
    }

    [Fact]
    public void Publish_is_a_rename_of_a_complete_folder()
    {
        var store = NewStore();
        using var staging = store.CreateStagingFolder();
        Assert.StartsWith(Copies, staging.Path);
        Assert.Empty(store.PublishedGenerations());
        File.WriteAllText(Path.Combine(staging.Path, "Lib.1.dll"), "complete");
        store.Publish(staging, 1);
        Assert.False(Directory.Exists(staging.Path));
        Assert.Equal("complete", File.ReadAllText(Path.Combine(store.FolderOf(1), "Lib.1.dll")));
        Assert.Equal(["1"], Directory.EnumerateFileSystemEntries(Copies).Select(Path.GetFileName)); // its lock file went with it
    }

    [Fact]
    public void Publish_refuses_a_number_another_build_took()
    {
        var store = NewStore();
        using var staging = store.CreateStagingFolder();
        Directory.CreateDirectory(store.FolderOf(1));
        Assert.Throws<IOException>(() => store.Publish(staging, 1));
    }

    [Fact]
    public void Prune_keeps_the_newest_copies()
    {
        var store = NewStore();
        for (var i = 0; i < 5; i++)
        {
            PublishOne(store);
        }

        var deleted = store.Prune(2, (_, e) => throw e);
        Assert.Equal(3, deleted.Count);
        Assert.Equal([5, 4], store.PublishedGenerations());
    }

    [Fact]
    public void Prune_never_deletes_the_newest()
    {
        var store = NewStore();
        PublishOne(store);
        PublishOne(store);
        store.Prune(0, (_, e) => throw e);
        Assert.Equal([2], store.PublishedGenerations());
    }

    [Fact]
    public void A_staging_folder_its_writer_still_holds_survives_every_prune()
    {
        var store = NewStore();
        using var live = store.CreateStagingFolder(); // another build, or the warm compiler, writing right now
        File.WriteAllText(Path.Combine(live.Path, "Lib.1.dll"), "half");
        Directory.SetLastWriteTimeUtc(live.Path, DateTime.UtcNow.AddHours(-1)); // however old its clock says it is
        Assert.Empty(NewStore().Prune(10, (_, e) => throw e));
        Assert.Empty(NewStore().RemoveAbandonedStaging((_, e) => throw e));
        Assert.True(File.Exists(Path.Combine(live.Path, "Lib.1.dll")));
    }

    [Fact]
    public void A_staging_folder_its_writer_abandoned_is_removed_by_the_next_prune_at_once()
    {
        // What a killed writer leaves: the folder, half written, and its lock file, which nobody holds any more.
        var store = NewStore();
        var killed = Path.Combine(Copies, ".staging-killed");
        Directory.CreateDirectory(killed);
        File.WriteAllText(Path.Combine(killed, "Lib.1.dll"), "half");
        File.WriteAllText(killed + ".lock", "");
        PublishOne(store);

        var deleted = store.Prune(10, (_, e) => throw e);
        Assert.Equal([killed], deleted);
        Assert.Equal(["1"], Directory.EnumerateFileSystemEntries(Copies).Select(Path.GetFileName));
    }

    [Fact]
    public void The_next_build_removes_abandoned_staging_without_publishing_anything()
    {
        var killed = Path.Combine(Copies, ".staging-killed");
        Directory.CreateDirectory(killed);
        File.WriteAllText(killed + ".lock", "");
        File.WriteAllText(Path.Combine(Copies, ".staging-diedbeforeitsfolder.lock"), ""); // killed between the two steps

        Assert.Equal([killed], NewStore().RemoveAbandonedStaging((_, e) => throw e));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Copies));
    }

    [Fact]
    public void A_staging_folder_disposed_unpublished_is_deleted_with_its_lock_file()
    {
        var store = NewStore();
        var failed = store.CreateStagingFolder(); // a compile that failed
        File.WriteAllText(Path.Combine(failed.Path, "copy.rsp"), "/out:x");
        Assert.True(File.Exists(failed.Path + ".lock"));
        failed.Dispose();
        Assert.Empty(Directory.EnumerateFileSystemEntries(Copies));
    }

    [Fact]
    public void A_lock_file_a_writer_holds_is_never_removed_even_before_its_folder_exists()
    {
        Directory.CreateDirectory(Copies);
        var lockFile = Path.Combine(Copies, ".staging-starting.lock");
        using var held = CrossProcessLock.CreateNew(lockFile); // the first of a writer's two steps
        NewStore().RemoveAbandonedStaging((_, e) => throw e);
        Assert.True(File.Exists(lockFile));
    }

    [Fact]
    public void Staging_folders_of_older_writers_without_a_lock_file_wait_a_minute()
    {
        var store = NewStore();
        var old = Path.Combine(Copies, ".staging-old");
        var recent = Path.Combine(Copies, ".staging-recent");
        Directory.CreateDirectory(old);
        Directory.CreateDirectory(recent);
        Directory.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-1));
        Assert.Equal([old], store.RemoveAbandonedStaging((_, e) => throw e));
        Assert.True(Directory.Exists(recent));
    }

    [Theory]
    [InlineData("1", "Copy")]
    [InlineData("2147483647", "Copy")]
    [InlineData("2147483648", "NumberBeyondRange")]
    [InlineData("99999999999", "NumberBeyondRange")]
    [InlineData(".staging-0123abcd", "Staging")]
    [InlineData("0", "Other")]
    [InlineData("007", "Other")]
    [InlineData("099999999999", "Other")]
    [InlineData("-3", "Other")]
    [InlineData("+3", "Other")]
    [InlineData("3 ", "Other")]
    [InlineData("notes", "Other")]
    public void Folder_names_are_classified_by_one_definition(string name, string kind) =>
        Assert.Equal(kind, Layout.Classify(name, out _).ToString());

    [Fact]
    public void The_highest_number_is_handed_out_and_then_numbering_refuses_rather_than_wraps()
    {
        Directory.CreateDirectory(Path.Combine(Copies, "2147483646"));
        var store = NewStore();
        Assert.Equal(int.MaxValue, PublishOne(store));

        var refused = Assert.Throws<CopyNumbersExhaustedException>(() => store.NextGeneration());
        Assert.Equal(Path.Combine(Copies, "2147483647"), refused.Path);
        Assert.Contains("'" + refused.Path + "'", refused.Message);
        Assert.Contains("Delete that folder", refused.Message);
        Assert.Equal("HR1010", CopyNumbersExhaustedException.Code);
        Assert.Throws<CopyNumbersExhaustedException>(() => store.ReserveNext());
        Assert.Throws<CopyNumbersExhaustedException>(() => store.TryReserve(int.MinValue));
        Assert.Equal("2147483647", File.ReadAllText(Path.Combine(_root, "obj", "last"))); // nothing was taken
    }

    [Fact]
    public void A_folder_numbered_past_the_range_is_refused_by_name_not_skipped()
    {
        Directory.CreateDirectory(Path.Combine(Copies, "3"));
        Directory.CreateDirectory(Path.Combine(Copies, "99999999999"));
        var store = NewStore();
        var refused = Assert.Throws<CopyNumbersExhaustedException>(() => store.ReserveNext());
        Assert.Equal(Path.Combine(Copies, "99999999999"), refused.Path);
        Assert.Empty(store.SkippedFolders()); // refused, so not also reported as skipped
        Assert.Equal([3], store.PublishedGenerations()); // readers still see the copies there are
    }

    [Theory]
    [InlineData("2147483647")]
    [InlineData("99999999999")]
    public void A_counter_at_or_past_the_range_is_refused_naming_the_counter_file(string counter)
    {
        var counterFile = Path.Combine(_root, "obj", "last");
        Directory.CreateDirectory(Path.GetDirectoryName(counterFile)!);
        File.WriteAllText(counterFile, counter);
        var store = NewStore();
        var refused = Assert.Throws<CopyNumbersExhaustedException>(() => store.NextGeneration());
        Assert.Equal(counterFile, refused.Path);
        Assert.Contains(counter, refused.Message);
        Assert.Contains("Delete that file", refused.Message);

        File.Delete(counterFile); // what the message says to do
        Assert.Equal(1, store.ReserveNext());
    }

    [Fact]
    public void A_counter_that_is_not_a_number_counts_as_none()
    {
        var counterFile = Path.Combine(_root, "obj", "last");
        Directory.CreateDirectory(Path.GetDirectoryName(counterFile)!);
        File.WriteAllText(counterFile, "-5");
        Directory.CreateDirectory(Path.Combine(Copies, "4"));
        Assert.Equal(5, NewStore().NextGeneration());
    }

    [Fact]
    public void Giving_back_a_number_leaves_a_counter_past_the_range_alone()
    {
        var counterFile = Path.Combine(_root, "obj", "last");
        Directory.CreateDirectory(Path.GetDirectoryName(counterFile)!);
        File.WriteAllText(counterFile, "99999999999");
        NewStore().Unreserve(5);
        Assert.Equal("99999999999", File.ReadAllText(counterFile));
    }

    [Fact]
    public void Folders_that_are_not_copies_are_reported_by_name_and_staging_folders_and_files_are_not()
    {
        var store = NewStore();
        Assert.Null(store.SkippedFoldersReport());
        PublishOne(store);
        using var staging = store.CreateStagingFolder();
        Directory.CreateDirectory(Path.Combine(Copies, "notes"));
        Directory.CreateDirectory(Path.Combine(Copies, "0"));
        File.WriteAllText(Path.Combine(Copies, "README"), "a file is never a copy");

        Assert.Equal(["0", "notes"], store.SkippedFolders());
        var report = store.SkippedFoldersReport();
        Assert.NotNull(report);
        Assert.Contains("'" + Copies + "'", report);
        Assert.Contains(": 0, notes.", report);
        Assert.Contains("Move them out", report);
    }

    [Fact]
    public void The_build_warns_of_skipped_folders_and_refuses_an_exhausted_number_with_HR1010()
    {
        Directory.CreateDirectory(Path.Combine(Copies, "notes"));
        Directory.CreateDirectory(Path.Combine(Copies, "2147483647"));
        var (task, engine) = NewCopyTask();

        Assert.False(task.Execute());
        var warning = Assert.Single(engine.Warnings);
        Assert.Equal("HR1011", warning.Code);
        Assert.Contains("notes", warning.Message);
        var error = Assert.Single(engine.Errors);
        Assert.Equal("HR1010", error.Code);
        Assert.Equal(Path.Combine(Copies, "2147483647"), error.File);
        Assert.Contains("dotnet clean", error.Message);
        Assert.Empty(Directory.EnumerateDirectories(Copies, ".staging-*")); // refused before anything was written
    }

    [Fact]
    public void HR1010_is_a_warning_with_HotReloadCopyErrorsAsWarnings()
    {
        Directory.CreateDirectory(Path.Combine(Copies, "99999999999"));
        var (task, engine) = NewCopyTask();
        task.FailuresAsWarnings = true;

        Assert.True(task.Execute());
        Assert.Empty(engine.Errors);
        Assert.Equal("HR1010", Assert.Single(engine.Warnings).Code);
    }

    [Fact]
    public void The_next_build_removes_abandoned_staging_even_when_its_own_copy_is_refused()
    {
        Directory.CreateDirectory(Path.Combine(Copies, "2147483647"));
        var killed = Path.Combine(Copies, ".staging-killed");
        Directory.CreateDirectory(killed);
        File.WriteAllText(killed + ".lock", "");
        var (task, _) = NewCopyTask();

        task.Execute();
        Assert.False(Directory.Exists(killed));
        Assert.False(File.Exists(killed + ".lock"));
    }

    /// <summary>The copy task on this test's folder, with a recorded command line and a compiler that is never reached.</summary>
    private (CreateReloadableCopy Task, RecordingBuildEngine Engine) NewCopyTask()
    {
        var obj = Path.Combine(_root, "obj");
        Directory.CreateDirectory(obj);
        var responseFile = Path.Combine(obj, "Lib.rsp");
        File.WriteAllLines(responseFile, ["# compile ?", "/out:obj/Lib.dll", "Logic.cs"]);
        var engine = new RecordingBuildEngine();
        var task = new CreateReloadableCopy
        {
            BuildEngine = engine,
            ResponseFile = responseFile,
            AssemblyName = "Lib",
            IntermediateAssembly = Path.Combine(obj, "Lib.dll"),
            OutputDirectory = Copies,
            CounterFile = Path.Combine(obj, "last"),
            CompilerPath = responseFile, // exists; the copy is refused before any compiler would start
            DotNetHostPath = "dotnet",
            ProjectDirectory = _root,
        };
        return (task, engine);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
