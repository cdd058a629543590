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
        var staging = store.CreateStagingFolder();
        File.WriteAllText(Path.Combine(staging, $"Lib.{n}.dll"), "x");
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
        var staging = store.CreateStagingFolder();
        Assert.StartsWith(Copies, staging);
        Assert.Empty(store.PublishedGenerations());
        File.WriteAllText(Path.Combine(staging, "Lib.1.dll"), "complete");
        store.Publish(staging, 1);
        Assert.False(Directory.Exists(staging));
        Assert.Equal("complete", File.ReadAllText(Path.Combine(store.FolderOf(1), "Lib.1.dll")));
    }

    [Fact]
    public void Publish_refuses_a_number_another_build_took()
    {
        var store = NewStore();
        var staging = store.CreateStagingFolder();
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
    public void Prune_removes_stale_staging_folders_only()
    {
        var store = NewStore();
        var stale = store.CreateStagingFolder();
        Directory.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-1));
        var fresh = store.CreateStagingFolder();
        store.Prune(10, (_, e) => throw e);
        Assert.False(Directory.Exists(stale));
        Assert.True(Directory.Exists(fresh));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
