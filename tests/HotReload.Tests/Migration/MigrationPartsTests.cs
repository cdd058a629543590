using HotReload.Runtime;

namespace HotReload.Tests.Migration;

/// <summary>The small decisions of migration, one at a time.</summary>
public sealed class MigrationPartsTests
{
    [Fact]
    public void The_identity_map_finds_by_reference_grows_and_keeps_a_null_counterpart()
    {
        var map = new IdentityMap(4);
        var keys = Enumerable.Range(0, 10_000).Select(i => (object)("k" + i)).ToList();
        foreach (var key in keys)
        {
            map.Add(key, key.ToString() + "!");
        }

        var dropped = new object();
        map.Add(dropped, null);
        Assert.Equal(10_001, map.Count);
        Assert.True(map.TryGet(keys[1234], out var value));
        Assert.Equal("k1234!", value);
        Assert.True(map.TryGet(dropped, out var none));
        Assert.Null(none);
        Assert.False(map.TryGet(new string("k1234".AsSpan()), out _)); // equal, but another object

        map.Clear();
        Assert.Equal(0, map.Count);
        Assert.False(map.TryGet(keys[1234], out _));
    }

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

        Assert.True(map.ByAddress);
        Assert.InRange((long)probes.GetValue(map)!, 0, IdentityMap.MostProbesByAddress * 2_000L); // objects in a row: a slot or two a key

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
    [InlineData(0, 0)] // the first migration of a session: nothing measured yet
    [InlineData((1L << 20) - 1, 0)] // a small one: a few thousand objects
    [InlineData(4L << 20, (4L << 20) + (1L << 20) + MigrationRegion.Slack)]
    [InlineData(100L << 20, (100L << 20) + (25L << 20) + MigrationRegion.Slack)]
    public void A_migration_region_asks_for_what_the_last_migration_allocated_with_room_to_grow(long lastAllocated, long budget)
    {
        var region = new MigrationRegion();
        typeof(MigrationRegion).GetField("_lastAllocated", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.SetValue(region, lastAllocated);
        Assert.Equal(budget, region.Budget);
    }

    [Fact]
    public void A_migration_region_measures_what_a_migration_allocates_and_keys_the_next_map_by_address_while_it_holds()
    {
        var region = new MigrationRegion();
        var first = new IdentityMap(16);
        using (region.Enter(first))
        {
            Assert.False(first.ByAddress); // no measure yet: no region
            GC.KeepAlive(new byte[MigrationRegion.Smallest + 1024]); // as a migration's objects would
        }

        Assert.True(region.Budget > MigrationRegion.Smallest);
        var second = new IdentityMap(16);
        using (region.Enter(second))
        {
            Assert.Equal(System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion, second.ByAddress);
        }

        Assert.NotEqual(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);
    }

    [Theory]
    [InlineData("<Start>b__3_1", "Start", false, null, 3, 1)]
    [InlineData("<Start>b__0", "Start", false, null, -1, 0)]
    [InlineData("<Start>g__Helper|3_0", "Start", true, "Helper", 3, 0)]
    [InlineData("<Start>g__Helper|2", "Start", true, "Helper", -1, 2)]
    [InlineData("<.ctor>b__5_0#1", ".ctor", false, null, 5, 0)]
    public void Lambda_and_local_function_names_give_their_method_and_ordinals(string name, string method, bool local, string? localName, int methodOrdinal, int lambdaOrdinal)
    {
        Assert.True(GeneratedNames.TryParseFunction(name, out var function));
        Assert.Equal(new GeneratedFunction(method, local, localName, methodOrdinal, lambdaOrdinal), function);
    }

    [Fact]
    public void Closure_classes_backing_fields_and_state_machines_are_recognized()
    {
        Assert.True(GeneratedNames.TryParseClosureClass("<>c__DisplayClass12_3", out var method, out var closure));
        Assert.Equal((12, 3), (method, closure));
        Assert.False(GeneratedNames.TryParseClosureClass("<>c", out _, out _));
        Assert.Equal("Hp", GeneratedNames.MemberKey("<Hp>k__BackingField"));
        Assert.Equal("hp", GeneratedNames.MemberKey("hp"));
        Assert.True(GeneratedNames.TryParseStateMachine("<Run>d__5", out var machine));
        Assert.Equal("Run", machine);
        Assert.Equal(7, GeneratedNames.MethodOrdinalOf("<>9__7_0", "<>c"));
        Assert.Equal(4, GeneratedNames.MethodOrdinalOf("<Go>b__1", "<>c__DisplayClass4_0"));
        Assert.False(GeneratedNames.TryParseFunction("Regular", out _));
    }

    private enum OldMode { Idle, Walk, Run, Gone }

    private enum NewMode { Run = 5, Idle = 1, Walk = 9 }

    [Flags]
    private enum OldFlags { None = 0, A = 1, B = 2, C = 4 }

    [Flags]
    private enum NewFlags { None = 0, C = 1, A = 16 }

    [Fact]
    public void Enums_map_by_member_name_and_a_gone_member_becomes_zero()
    {
        var table = EnumTable.Create(typeof(OldMode), typeof(NewMode));
        Assert.False(table.IsIdentity);
        Assert.Equal(5, table.Map((long)OldMode.Run));
        Assert.Equal(9, table.Map((long)OldMode.Walk));
        Assert.Equal(0, table.Map((long)OldMode.Gone));
        Assert.Equal(42, table.Map(42)); // no member named it: the number stays
        Assert.Equal(1, table.Removed);

        var flags = EnumTable.Create(typeof(OldFlags), typeof(NewFlags));
        Assert.Equal((long)(NewFlags.A | NewFlags.C), flags.Map((long)(OldFlags.A | OldFlags.B | OldFlags.C)));
        Assert.True(EnumTable.Create(typeof(OldMode), typeof(OldMode)).IsIdentity);
    }

    [Fact]
    public void Widening_is_offered_only_where_no_value_is_lost()
    {
        Assert.NotNull(Conversion.Widening(typeof(int), typeof(long)));
        Assert.NotNull(Conversion.Widening(typeof(float), typeof(double)));
        Assert.NotNull(Conversion.Widening(typeof(int), typeof(double)));
        Assert.Null(Conversion.Widening(typeof(long), typeof(int)));
        Assert.Null(Conversion.Widening(typeof(int), typeof(float))); // 2^24 + 1 does not fit a float
        Assert.Null(Conversion.Widening(typeof(double), typeof(float)));
        Assert.Equal("List<int>", Conversion.NameOf(typeof(List<int>)));
        Assert.Equal("long?", Conversion.NameOf(typeof(long?)));
        Assert.Equal("string[,]", Conversion.NameOf(typeof(string[,])));
    }

    [Fact]
    public void Host_types_are_walked_only_where_they_can_lead_to_the_library()
    {
        Assert.False(HostTypes.CanHold(typeof(string)));
        Assert.False(HostTypes.CanHold(typeof(List<int>)));
        Assert.False(HostTypes.CanHold(typeof(int[])));
        Assert.True(HostTypes.CanHold(typeof(List<object>)));
        Assert.True(HostTypes.CanHold(typeof(Slots)));
        Assert.True(HostTypes.CanHold(typeof(Dictionary<string, int>))); // its comparer could be the library's
        Assert.False(HostTypes.CanHold(typeof(System.Text.StringBuilder))); // a framework object: kept as is
        Assert.True(HostTypes.RunsCode(typeof(Thread)));
        Assert.True(HostTypes.FieldMayHold(typeof(Task<int>)));
        Assert.False(HostTypes.FieldMayHold(typeof(KeyValuePair<string, int>)));
        Assert.True(HostTypes.FieldMayHold(typeof(KeyValuePair<string, object>)));
    }

    [Fact]
    public void Tracked_roots_are_held_weakly_and_once()
    {
        var roots = new TrackedRoots();
        var root = new Slots();
        roots.Add(root);
        roots.Add(root);
        AddGarbage(roots);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Same(root, Assert.Single(roots.Alive()));
        GC.KeepAlive(root);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void AddGarbage(TrackedRoots roots) => roots.Add(new Slots());
}
