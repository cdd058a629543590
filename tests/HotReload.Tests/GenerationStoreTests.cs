using HotReload.Sdk.Tasks;

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

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
