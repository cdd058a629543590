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
