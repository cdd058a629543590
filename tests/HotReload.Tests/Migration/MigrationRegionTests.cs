using HotReload.Runtime;

namespace HotReload.Tests.Migration;

/// <summary>Tests whose code must see no collection it does not make itself: run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CollectionsHeldOff
{
    public const string Name = "collections held off";
}

/// <summary>The identity map keyed by address, and the no-GC region a migration runs in.</summary>
[Collection(CollectionsHeldOff.Name)]
public sealed class MigrationRegionTests
{
    [Fact]
    public void An_identity_map_keyed_by_address_finds_every_key_and_keeps_finding_them_after_a_collection_moves_them()
    {
        var map = new IdentityMap(4);
        map.KeyByAddress();
        Assert.True(map.ByAddress);
        var keys = Fresh(20_000); // young objects: a compacting collection moves them
        for (var i = 0; i < keys.Count; i++)
        {
            map.Add(keys[i], i); // grows on the way, by address too
        }

        Assert.All(Enumerable.Range(0, keys.Count), i => Assert.True(map.TryGet(keys[i], out var value) && (int)value! == i));

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        // The first miss finds the collection and places every key again by hash code; no key is lost or found twice.
        Assert.False(map.TryGet(new object(), out _));
        Assert.False(map.ByAddress);
        Assert.All(Enumerable.Range(0, keys.Count), i => Assert.True(map.TryGet(keys[i], out var value) && (int)value! == i));
        var later = Fresh(1_000);
        foreach (var key in later)
        {
            map.Add(key, -1);
        }

        Assert.Equal(21_000, map.Count);
        Assert.All(later, key => Assert.True(map.TryGet(key, out var value) && (int)value! == -1));

        map.Clear();
        Assert.False(map.ByAddress); // the next migration decides again
        map.KeyByAddress();
        map.Add(keys[0], 0);
        Assert.Throws<InvalidOperationException>(map.KeyByAddress); // only an empty map changes how it places keys

        static List<object> Fresh(int count) => Enumerable.Range(0, count).Select(i => (object)new int[i % 7]).ToList();
    }

    [Fact]
    public void A_key_that_went_in_by_an_address_a_collection_changed_before_the_check_is_placed_again()
    {
        var map = new IdentityMap(1024);
        map.KeyByAddress();
        var keys = Enumerable.Range(0, 5_000).Select(i => (object)new byte[i % 5]).ToList();
        var added = 0;
        foreach (var key in keys)
        {
            map.Add(key, key);
            if (++added % 1_000 == 0)
            {
                GC.Collect(0, GCCollectionMode.Forced, blocking: true); // between two operations, as another thread's collection would
            }
        }

        Assert.False(map.ByAddress);
        Assert.All(keys, key => Assert.True(map.TryGet(key, out var value) && ReferenceEquals(value, key)));
    }

    [Fact]
    public void An_identity_map_whose_keys_crowd_it_by_address_places_them_by_hash_code_and_finds_every_one()
    {
        var map = new IdentityMap(1024);
        var keys = Enumerable.Range(0, 3_000).Select(i => new object()).ToList();
        var probes = typeof(IdentityMap).GetField("_probes", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        for (var attempt = 0; attempt < 10 && !map.ByAddress; attempt++)
        {
            // Tests beside this one collect now and then, which would take the map out of address mode first.
            map.Clear();
            map.KeyByAddress();
            foreach (var key in keys.Take(2_000))
            {
                map.Add(key, key);
            }
        }

        Assert.True(map.ByAddress); // objects in a row do not crowd it

        probes.SetValue(map, IdentityMap.MostProbesByAddress * (2_000L + 1024) + 1); // as a layout that lands every object on the same slots would
        Assert.True(map.TryGet(keys[0], out var first) && ReferenceEquals(first, keys[0])); // found: a collection would not change the mode here
        Assert.False(map.ByAddress);
        foreach (var key in keys.Skip(2_000))
        {
            map.Add(key, key);
        }

        Assert.All(keys, key => Assert.True(map.TryGet(key, out var value) && ReferenceEquals(value, key)));
    }

    [Theory]
    [InlineData(0, 0)] // one that moved nothing
    [InlineData((1L << 20) - 1, 0)] // a small one: a few thousand objects
    [InlineData(4L << 20, (4L << 20) + (1L << 20) + MigrationRegion.Slack)]
    [InlineData(100L << 20, (100L << 20) + (25L << 20) + MigrationRegion.Slack)]
    public void A_migration_region_asks_for_what_the_last_migration_allocated_with_room_to_grow(long lastAllocated, long budget) =>
        Assert.Equal(budget, MigrationRegion.BudgetAfter(lastAllocated));

    [Theory]
    [InlineData((1L << 20) - 1, 0)] // a heap this small holds no world worth a region
    [InlineData(4L << 20, (40L << 20) + MigrationRegion.Slack)]
    [InlineData(30L << 20, (300L << 20) + MigrationRegion.Slack)] // a million objects of the smallest kind
    [InlineData(121L << 20, MigrationRegion.MostFirstBudget)] // the benchmark's million objects: 302 MB allocated
    [InlineData(4L << 30, MigrationRegion.MostFirstBudget)] // a host of 4 GB: bounded
    public void A_session_s_first_migration_asks_for_ten_times_the_heap_s_size_and_no_more_than_the_bound(long heapSize, long budget) =>
        Assert.Equal(budget, MigrationRegion.FirstBudget(heapSize));

    [Fact]
    public void A_migration_region_measures_what_a_migration_allocates_and_keys_the_next_map_by_address_while_it_holds()
    {
        var region = new MigrationRegion();
        var first = new IdentityMap(16);
        using (region.Enter(first))
        {
            // No measure yet: a region sized from the heap (this test host's is over a megabyte).
            Assert.Equal(System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion, first.ByAddress);
            GC.KeepAlive(new byte[MigrationRegion.Smallest + 1024]); // as a migration's objects would
        }

        Assert.NotEqual(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);

        Assert.True(region.Budget > MigrationRegion.Smallest);
        var second = new IdentityMap(16);
        using (region.Enter(second))
        {
            Assert.Equal(System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion, second.ByAddress);
        }

        Assert.NotEqual(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);
    }
}
