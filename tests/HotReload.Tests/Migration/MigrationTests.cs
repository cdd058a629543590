using System.Runtime.CompilerServices;
using HotReload.Runtime;
using HotReload.Tests.Shared;

namespace HotReload.Tests.Migration;

/// <summary>
/// Each kind of value, carried from one generation to the next by <see cref="StateMigrator"/>: generation 1 builds some
/// state in its static fields (<c>Setup</c>), generation 2 (the edited source) describes what it finds (<c>Describe</c>),
/// and generation 1 must then leave memory.
/// </summary>
public sealed class MigrationTests : IDisposable
{
    private readonly MigrationHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    /// <summary>Generation 1 runs Setup(roots...), generation 2 gets the state and returns Describe().</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private (MigrationReport Report, string Text) Swap(string v1, string v2, params object[] roots)
    {
        var g1 = _harness.Load(1, v1);
        MigrationHarness.Call(g1, "Game.Logic.Setup", roots.Length == 0 ? [] : [roots[0]]);
        var g2 = _harness.Load(2, v2);
        var report = MigrationHarness.Migrate(g1, g2, roots);
        return (report, (string)MigrationHarness.Call(g2, "Game.Logic.Describe")!);
    }

    private void AssertOldGenerationUnloads() => Assert.True(_harness.Unloads(0), "generation 1 is still in memory after the migration");

    private static string Library(string body) => "using System; using System.Collections.Generic; using System.Linq; using HotReload.Runtime;\nnamespace Game;\n" + body;

    [Fact]
    public void A_static_counter_continues()
    {
        var (_, text) = Swap(
            Library("public static class Logic { static int count; public static void Setup() { count = 7; } }"),
            Library("public static class Logic { static int count; public static string Describe() => (++count).ToString(); }"));
        Assert.Equal("8", text);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void A_static_readonly_collection_keeps_its_contents_in_the_new_codes_instance()
    {
        var (_, text) = Swap(
            Library("""
                public class Item { public int Value; }
                public static class Logic { public static readonly List<Item> Items = new() { new Item { Value = 1 } }; public static void Setup() { Items.Add(new Item { Value = 2 }); Items.Add(new Item { Value = 3 }); } }
                """),
            Library("""
                public class Item { public int Value; }
                public static class Logic { public static readonly List<Item> Items = new() { new Item { Value = 100 } }; public static string Describe() => string.Join(",", Items.Select(i => i.Value)); }
                """));
        Assert.Equal("1,2,3", text);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void A_static_readonly_number_or_string_takes_the_new_codes_value()
    {
        var (_, text) = Swap(
            Library("public static class Logic { static readonly int Speed = 5; static readonly string Name = \"old\"; static int kept = 1; public static void Setup() { kept = 2; } }"),
            Library("public static class Logic { static readonly int Speed = 10; static readonly string Name = \"new\"; static int kept = 1; public static string Describe() => $\"{Speed} {Name} {kept}\"; }"));
        Assert.Equal("10 new 2", text);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void A_static_readonly_object_of_the_library_keeps_its_state()
    {
        var (report, text) = Swap(
            Library("public class World { public int Step; } public static class Logic { static readonly World Current = new(); public static void Setup() { Current.Step = 12; } }"),
            Library("public class World { public int Step; public string Name = \"w\"; } public static class Logic { static readonly World Current = new(); public static string Describe() => $\"{Current.Step} {Current.Name}\"; }"));
        Assert.Equal("12 w", text);
        Assert.Equal(1, report.Objects); // migrated into the new code's own instance: counted too
        Assert.Contains("World.Name new = \"w\"", report.Changes);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void Fields_are_matched_by_name_whatever_their_order_and_an_added_field_gets_its_initializer()
    {
        var (report, text) = Swap(
            Library("public class Enemy { public int Hp; public string Name = \"\"; public float Speed; } public static class Logic { static Enemy e = new(); public static void Setup() { e.Hp = 3; e.Name = \"orc\"; e.Speed = 1.5f; } }"),
            Library("public class Enemy { public float Speed; public int Armor = 5; public List<int> Loot = new() { 1, 2 }; public string Name = \"\"; public int Hp; } public static class Logic { static Enemy e = new(); public static string Describe() => $\"{e.Hp} {e.Name} {e.Speed} {e.Armor} {e.Loot.Count}\"; }"));
        Assert.Equal("3 orc 1.5 5 2", text);
        Assert.Contains("Enemy.Armor new = 5", report.Changes);
        Assert.Contains("Enemy.Loot new = a List<int>", report.Changes);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void An_auto_property_is_matched_by_its_name_and_a_removed_field_is_dropped()
    {
        var (report, text) = Swap(
            Library("public class Player { public int Hp { get; set; } public int Old; } public static class Logic { static Player p = new(); public static void Setup() { p.Hp = 9; p.Old = 1; } }"),
            Library("public class Player { public int Hp { get; set; } } public static class Logic { static Player p = new(); public static string Describe() => p.Hp.ToString(); }"));
        Assert.Equal("9", text);
        Assert.Contains("Player.Old removed", report.Changes);
    }

    [Fact]
    public void Retyped_fields_keep_values_that_convert_without_loss_and_others_are_reset_and_reported()
    {
        var (report, text) = Swap(
            Library("""
                public enum Mode { Idle, Walk, Run }
                public class Player { public int Hp; public float X; public int Level; public Mode Mode; public string Tag = ""; public int Gone; }
                public static class Logic { static Player p = new(); public static void Setup() { p.Hp = 1_000_000; p.X = 0.1f; p.Level = 4; p.Mode = Mode.Run; p.Tag = "t"; } }
                """),
            Library("""
                public enum Mode { Run, Fly, Idle, Walk }
                public class Player { public long Hp; public double X; public int? Level; public Mode Mode; public int Tag = 42; }
                public static class Logic { static Player p = new(); public static string Describe() => $"{p.Hp} {p.X == (double)0.1f} {p.Level} {p.Mode} {p.Tag}"; }
                """));
        Assert.Equal("1000000 True 4 Run 42", text);
        Assert.Contains("Player.Hp int → long", report.Changes);
        Assert.Contains("Player.X float → double", report.Changes);
        Assert.Contains("Player.Level int → int?", report.Changes);
        Assert.Contains("Player.Tag string → int (reset)", report.Changes);
        Assert.Contains(report.Problems, p => p.StartsWith("HR2013: Player.Tag string → int", StringComparison.Ordinal));
    }

    [Fact]
    public void An_enum_value_whose_member_is_gone_becomes_zero_and_flags_map_flag_by_flag()
    {
        var (report, text) = Swap(
            Library("""
                [Flags] public enum Tags { None = 0, Red = 1, Big = 2, Fast = 4 }
                public enum State { A, B, C }
                public static class Logic { static Tags tags; static State state; public static void Setup() { tags = Tags.Red | Tags.Fast; state = State.C; } }
                """),
            Library("""
                [Flags] public enum Tags { None = 0, Fast = 1, Red = 8 }
                public enum State { A, B }
                public static class Logic { static Tags tags; static State state; public static string Describe() => $"{tags} {(int)state}"; }
                """));
        Assert.Equal("Fast, Red 0", text);
        Assert.Contains(report.Problems, p => p.Contains("State value named a member that is gone", StringComparison.Ordinal));
    }

    [Fact]
    public void A_renamed_field_and_a_renamed_type_keep_their_values_through_the_attribute()
    {
        var (report, text) = Swap(
            Library("public class Foe { public int Hp; public int Mana { get; set; } } public static class Logic { static object o = new Foe { Hp = 5, Mana = 6 }; public static void Setup() { } }"),
            Library("""
                [RenamedFrom("Game.Foe")] public class Enemy { [RenamedFrom("Hp")] public long Health; [RenamedFrom("Mana")] public int Energy { get; set; } }
                public static class Logic { static object o = null!; public static string Describe() => o is Enemy e ? $"{e.Health} {e.Energy}" : "lost: " + o; }
                """));
        Assert.Equal("5 6", text);
        Assert.Contains("Enemy.Health ← Hp", report.Changes);
        Assert.Contains("Enemy.Energy ← Mana", report.Changes);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void One_object_in_a_list_and_a_dictionary_stays_one_object_and_cycles_work()
    {
        var (_, text) = Swap(
            Library("""
                public class Node { public string Name = ""; public Node? Next; }
                public static class Logic
                {
                    static List<Node> list = new(); static Dictionary<string, Node> map = new();
                    public static void Setup() { var a = new Node { Name = "a" }; var b = new Node { Name = "b", Next = a }; a.Next = b; list.Add(a); list.Add(b); map["a"] = a; map["b"] = b; }
                }
                """),
            Library("""
                public class Node { public string Name = ""; public Node? Next; }
                public static class Logic
                {
                    static List<Node> list = new(); static Dictionary<string, Node> map = new();
                    public static string Describe() => $"{ReferenceEquals(list[0], map["a"])} {ReferenceEquals(list[0].Next, list[1])} {ReferenceEquals(list[1].Next, list[0])} {ReferenceEquals(map["b"].Next!.Next, map["b"])}";
                }
                """));
        Assert.Equal("True True True True", text);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void A_linked_list_a_million_nodes_deep_does_not_overflow_the_stack()
    {
        var (report, text) = Swap(
            Library("public class Node { public int Value; public Node? Next; } public static class Logic { static Node? head; public static void Setup() { for (var i = 0; i < 1_000_000; i++) head = new Node { Value = i, Next = head }; } }"),
            Library("public class Node { public int Value; public Node? Next; } public static class Logic { static Node? head; public static string Describe() { var n = 0; long sum = 0; for (var x = head; x != null; x = x.Next) { n++; sum += x.Value; } return $\"{n} {sum}\"; } }"));
        Assert.Equal("1000000 499999500000", text);
        Assert.Equal(1_000_000, report.Objects);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void Structs_nested_in_arrays_and_lists_and_boxed_are_converted_field_by_field()
    {
        var (report, text) = Swap(
            Library("""
                public struct Vec { public float X, Y; }
                public struct Body { public Vec Position; public Vec Velocity; public int Id; }
                public static class Logic
                {
                    static Body[] bodies = new Body[3]; static List<Body> list = new(); static object boxed = new Vec { X = 7 }; static Body? maybe;
                    public static void Setup() { for (var i = 0; i < 3; i++) bodies[i] = new Body { Id = i, Position = new Vec { X = i, Y = 2 * i } }; list.Add(bodies[2]); maybe = bodies[1]; }
                }
                """),
            Library("""
                public struct Vec { public double X, Y; public double Z; }
                public struct Body { public int Id; public Vec Position; public Vec Velocity; public bool Sleeping; }
                public static class Logic
                {
                    static Body[] bodies = null!; static List<Body> list = null!; static object boxed = null!; static Body? maybe;
                    public static string Describe() => $"{bodies.Length} {bodies[2].Id} {bodies[2].Position.Y} {list[0].Position.X} {((Vec)boxed).X} {maybe!.Value.Id}";
                }
                """));
        Assert.Equal("3 2 4 2 7 1", text);
        Assert.Contains("Vec.X float → double", report.Changes);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void Jagged_and_multi_dimensional_arrays_keep_their_shape_and_elements()
    {
        var (_, text) = Swap(
            Library("""
                public class Cell { public int V; }
                public static class Logic
                {
                    static Cell[][] jagged = null!; static Cell[,] grid = null!; static int[,] numbers = null!;
                    public static void Setup() { jagged = new[] { new[] { new Cell { V = 1 } }, new[] { new Cell { V = 2 }, new Cell { V = 3 } } }; grid = new Cell[2, 3]; grid[1, 2] = new Cell { V = 9 }; grid[0, 0] = jagged[0][0]; numbers = new int[2, 2]; numbers[1, 1] = 5; }
                }
                """),
            Library("""
                public class Cell { public int V; }
                public static class Logic
                {
                    static Cell[][] jagged = null!; static Cell[,] grid = null!; static int[,] numbers = null!;
                    public static string Describe() => $"{jagged[1].Length} {jagged[1][1].V} {grid.GetLength(0)}x{grid.GetLength(1)} {grid[1, 2].V} {ReferenceEquals(grid[0, 0], jagged[0][0])} {grid[0, 1] == null} {numbers[1, 1]}";
                }
                """));
        Assert.Equal("2 3 2x3 9 True True 5", text);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void Hashed_and_sorted_collections_with_custom_comparers_are_rebuilt_on_the_new_keys()
    {
        var (_, text) = Swap(
            Library("""
                public sealed class Key { public string Name = ""; }
                public sealed class ByName : IEqualityComparer<Key>, IComparer<Key>
                {
                    public bool Equals(Key? a, Key? b) => a?.Name == b?.Name;
                    public int GetHashCode(Key k) => k.Name.GetHashCode();
                    public int Compare(Key? a, Key? b) => string.CompareOrdinal(b!.Name, a!.Name);
                }
                public static class Logic
                {
                    static Dictionary<Key, int> scores = new(new ByName()); static HashSet<Key> seen = new(new ByName()); static SortedSet<Key> sorted = new(new ByName());
                    static Dictionary<string, int> names = new(StringComparer.OrdinalIgnoreCase); static HashSet<Key> identity = new();
                    public static void Setup()
                    {
                        foreach (var n in new[] { "a", "b", "c" }) { var k = new Key { Name = n }; scores[k] = n[0]; seen.Add(k); sorted.Add(k); identity.Add(k); }
                        names["Abc"] = 1;
                    }
                }
                """),
            Library("""
                public sealed class Key { public string Name = ""; }
                public sealed class ByName : IEqualityComparer<Key>, IComparer<Key>
                {
                    public bool Equals(Key? a, Key? b) => a?.Name == b?.Name;
                    public int GetHashCode(Key k) => k.Name.GetHashCode();
                    public int Compare(Key? a, Key? b) => string.CompareOrdinal(b!.Name, a!.Name);
                }
                public static class Logic
                {
                    static Dictionary<Key, int> scores = null!; static HashSet<Key> seen = null!; static SortedSet<Key> sorted = null!;
                    static Dictionary<string, int> names = null!; static HashSet<Key> identity = null!;
                    public static string Describe() =>
                        $"{scores[new Key { Name = "b" }]} {seen.Contains(new Key { Name = "c" })} {string.Join("", sorted.Select(k => k.Name))} {names["ABC"]} {identity.All(k => seen.Contains(k) && identity.Contains(k))} {scores.Comparer is ByName}";
                }
                """));
        Assert.Equal("98 True cba 1 True True", text);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void String_keys_hash_the_same_but_a_comparer_of_the_library_waits_until_it_is_filled()
    {
        const string comparer = """
            public sealed class Folding : IEqualityComparer<string>
            {
                public bool Fold = true;
                public bool Equals(string? a, string? b) => Fold ? string.Equals(a, b, StringComparison.OrdinalIgnoreCase) : a == b;
                public int GetHashCode(string s) => Fold ? StringComparer.OrdinalIgnoreCase.GetHashCode(s) : s.GetHashCode();
            }
            """;
        var (_, text) = Swap(
            Library(comparer + "public static class Logic { static Dictionary<string, int> folded = new(new Folding()); static Dictionary<string, int> plain = new(); public static void Setup() { folded[\"Abc\"] = 1; plain[\"x\"] = 2; } }"),
            Library(comparer + "public static class Logic { static Dictionary<string, int> folded = null!; static Dictionary<string, int> plain = null!; public static string Describe() => $\"{folded[\"ABC\"]} {plain[\"x\"]} {folded.Comparer.GetType().Assembly.GetName().Name!.EndsWith(\".2\")}\"; }"));
        Assert.Equal("1 2 True", text);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void Records_as_dictionary_keys_hash_again_and_stacks_and_queues_keep_their_order()
    {
        var (_, text) = Swap(
            Library("""
                public record Pos(int X, int Y);
                public record struct Tile(Pos At, string Kind);
                public static class Logic
                {
                    static Dictionary<Pos, string> map = new(); static Stack<Pos> undo = new(); static Queue<Tile> todo = new(); static LinkedList<Pos> path = new();
                    public static void Setup() { map[new Pos(1, 2)] = "x"; undo.Push(new Pos(1, 1)); undo.Push(new Pos(2, 2)); todo.Enqueue(new Tile(new Pos(0, 0), "a")); todo.Enqueue(new Tile(new Pos(0, 1), "b")); path.AddLast(new Pos(5, 5)); path.AddLast(new Pos(6, 6)); }
                }
                """),
            Library("""
                public record Pos(int X, int Y);
                public record struct Tile(Pos At, string Kind);
                public static class Logic
                {
                    static Dictionary<Pos, string> map = null!; static Stack<Pos> undo = null!; static Queue<Tile> todo = null!; static LinkedList<Pos> path = null!;
                    public static string Describe() => $"{map[new Pos(1, 2)]} {undo.Pop()} {todo.Dequeue().Kind}{todo.Dequeue().At.Y} {path.Last!.Value.X}";
                }
                """));
        Assert.Equal("x Pos { X = 2, Y = 2 } a1 6", text);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void Sorted_and_concurrent_collections_keep_their_order_and_contents()
    {
        const string types = "public sealed class Job { public int Id; } public sealed class ByIdDescending : IComparer<int> { public int Compare(int a, int b) => b.CompareTo(a); }";
        var (_, text) = Swap(
            Library(types + """
                public static class Logic
                {
                    static SortedDictionary<int, Job> byId = new(new ByIdDescending()); static SortedList<string, Job> byName = new();
                    static System.Collections.Concurrent.ConcurrentDictionary<int, Job> shared = new(); static System.Collections.Concurrent.ConcurrentQueue<Job> inbox = new();
                    public static void Setup() { foreach (var i in new[] { 2, 7, 4 }) { var job = new Job { Id = i }; byId[i] = job; byName["j" + i] = job; shared[i] = job; inbox.Enqueue(job); } }
                }
                """),
            Library(types + """
                public static class Logic
                {
                    static SortedDictionary<int, Job> byId = null!; static SortedList<string, Job> byName = null!;
                    static System.Collections.Concurrent.ConcurrentDictionary<int, Job> shared = null!; static System.Collections.Concurrent.ConcurrentQueue<Job> inbox = null!;
                    public static string Describe() => $"{string.Join(",", byId.Keys)} {string.Join(",", byName.Values.Select(j => j.Id))} {ReferenceEquals(shared[7], byId[7])} {string.Join(",", inbox.Select(j => j.Id))} {byId.Comparer is ByIdDescending}";
                }
                """));
        Assert.Equal("7,4,2 2,4,7 True 2,7,4 True", text);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void Generic_library_types_readonly_fields_and_primary_constructor_captures_carry_over()
    {
        var (_, text) = Swap(
            Library("""
                public class Pool<T> { public readonly List<T> Free = new(); public int Created; }
                public class Bullet(int damage) { public int Damage => damage; }
                public static class Logic { static Pool<Bullet> pool = new(); public static void Setup() { pool.Free.Add(new Bullet(7)); pool.Created = 3; } }
                """),
            Library("""
                public class Pool<T> { public readonly List<T> Free = new(); public int Created; public int Limit = 10; }
                public class Bullet(int damage) { public int Damage => damage * 2; }
                public static class Logic { static Pool<Bullet> pool = null!; public static string Describe() => $"{pool.Created} {pool.Free[0].Damage} {pool.Limit}"; }
                """));
        Assert.Equal("3 14 10", text);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void A_base_class_inserted_keeps_the_fields_and_initializes_the_new_level()
    {
        var (report, text) = Swap(
            Library("public class Enemy { public int Hp; } public static class Logic { static Enemy e = new(); public static void Setup() { e.Hp = 4; } }"),
            Library("public class Actor { public string Kind = \"actor\"; public int Hp; } public class Enemy : Actor { } public static class Logic { static Enemy e = null!; public static string Describe() => $\"{e.Hp} {e.Kind}\"; }"));
        Assert.Equal("4 actor", text);
        Assert.Contains("Enemy now derives from Actor", report.Changes);
    }

    [Fact]
    public void A_type_removed_is_left_out_of_collections_and_reported()
    {
        var (report, text) = Swap(
            Library("""
                public interface IThing { } public class Rock : IThing { } public class Bullet : IThing { }
                public static class Logic { static List<IThing> things = new(); static object? last; public static void Setup() { things.Add(new Rock()); things.Add(new Bullet()); things.Add(new Bullet()); last = things[2]; } }
                """),
            Library("""
                public interface IThing { } public class Rock : IThing { }
                public static class Logic { static List<IThing> things = null!; static object? last; public static string Describe() => $"{things.Count} {things[0].GetType().Name} {last == null}"; }
                """));
        Assert.Equal("1 Rock True", text);
        Assert.Contains(report.Problems, p => p.StartsWith("HR2013: 2 Bullet left out: it is gone from the new code", StringComparison.Ordinal));
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void A_stored_lambda_runs_its_new_body_with_its_captured_values_and_events_keep_every_handler()
    {
        var (report, text) = Swap(
            Library("""
                public class Button { public event Action<int>? Clicked; public void Click(int n) => Clicked?.Invoke(n); }
                public static class Logic
                {
                    public static List<string> Log = new();
                    static Func<int, int> step = null!; static Button button = new(); static int total;
                    public static void Setup() { var by = 3; step = x => x + by; button.Clicked += OnClick; button.Clicked += n => total += n; }
                    static void OnClick(int n) => Log.Add("old " + n);
                }
                """),
            Library("""
                public class Button { public event Action<int>? Clicked; public void Click(int n) => Clicked?.Invoke(n); }
                public static class Logic
                {
                    public static List<string> Log = new();
                    static int added;
                    static Func<int, int> step = null!; static Button button = null!; static int total;
                    public static string Describe() { button.Click(5); return $"{step(10)} {string.Join(",", Log)} {total}"; }
                    static void OnClick(int n) => Log.Add("new " + n);
                    public static void Setup() { var by = 3; step = x => x * 100 + by; button.Clicked += OnClick; button.Clicked += n => total += n * 2; }
                }
                """));
        Assert.Equal("1003 new 5 10", text);
        Assert.Empty(report.Problems);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void A_closure_whose_captures_changed_keeps_the_values_it_still_has()
    {
        var (_, text) = Swap(
            Library("public static class Logic { static Func<string> f = null!; public static void Setup() { var a = 1; var b = \"b\"; f = () => $\"{a}{b}\"; a = 2; } }"),
            Library("public static class Logic { static Func<string> f = null!; public static string Describe() => f(); public static void Setup() { var a = 1; var c = 5.5; f = () => $\"{a}:{c}\"; } }"));
        Assert.Equal("2:0", text);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void A_removed_lambda_becomes_a_stub_that_throws_naming_it()
    {
        var (report, text) = Swap(
            Library("public static class Logic { static Func<int> f = null!; static Action g = null!; public static void Setup() { f = () => 1; g = Helper; } static void Helper() { } }"),
            Library("public static class Logic { static Func<int> f = null!; static Action g = null!; public static string Describe() { try { f(); return \"ran\"; } catch (Exception e) { return e.Message + \" | \" + (g == null); } } public static void Setup() { } }"));
        Assert.StartsWith("HR2015: a lambda in Game.Logic.Setup (generation 1) is gone from generation 2", text);
        Assert.EndsWith("| False", text);
        Assert.Contains(report.Problems, p => p.StartsWith("HR2015: a lambda in Game.Logic.Setup is gone from the new code: 1 delegate", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.StartsWith("HR2015: Game.Logic.Helper is gone", StringComparison.Ordinal));
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void Lambdas_are_found_by_their_method_when_members_added_above_shift_the_ordinals()
    {
        var (_, text) = Swap(
            Library("public static class Logic { static Func<int> f = null!; static Func<int> g = null!; public static void Setup() { var k = 2; f = () => 1; g = () => k; } }"),
            Library("""
                public static class Logic
                {
                    static int a, b, c;
                    static void Other() { Func<int> x = () => 99; }
                    static Func<int> f = null!; static Func<int> g = null!;
                    public static string Describe() => $"{f()} {g()}";
                    public static void Setup() { var k = 2; f = () => 10; g = () => k * 10; }
                }
                """));
        Assert.Equal("10 20", text);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void A_host_object_given_as_a_root_gets_the_library_objects_it_holds_updated_in_place()
    {
        var slots = new Slots();
        var (report, text) = Swap(
            Library("public class Marker { public int N; } public static class Logic { public static void Setup(HotReload.Tests.Migration.Slots s) { s.Marker = new Marker { N = 3 }; s.Items.Add(s.Marker); s.Items.Add(\"text\"); } }"),
            Library("public class Marker { public int N; public int M = 1; } public static class Logic { public static string Describe() => \"\"; }"),
            slots);
        Assert.Equal("", text);
        Assert.Equal("Marker", slots.Marker!.GetType().Name);
        Assert.EndsWith(".2", slots.Marker.GetType().Assembly.GetName().Name);
        Assert.Same(slots.Marker, slots.Items[0]);
        Assert.Equal("text", slots.Items[1]);
        Assert.Equal(2, report.Patched);
        slots.Marker = null;
        slots.Items.Clear();
    }

    [Fact]
    public void A_failing_hook_leaves_the_host_objects_untouched()
    {
        var slots = new Slots();
        var g1 = _harness.Load(1, Library("public class Marker { } public static class Logic { public static void Setup(HotReload.Tests.Migration.Slots s) { s.Marker = new Marker(); } }"));
        MigrationHarness.Call(g1, "Game.Logic.Setup", slots);
        var before = slots.Marker;
        var g2 = _harness.Load(2, Library("public class Marker { [OnMigrated] void Up(MigrationSource old) => throw new InvalidOperationException(\"no\"); } public static class Logic { }"));
        var error = Assert.Throws<HotReloadException>(() => new StateMigrator(g1, g2, 1, 2).Run([slots]));
        Assert.StartsWith("HR2012: the [OnMigrated] hook Game.Marker.Up threw InvalidOperationException: no", error.Message);
        Assert.Same(before, slots.Marker);
    }

    [Fact]
    public void Migration_hooks_see_the_old_object_and_the_old_statics()
    {
        var (_, text) = Swap(
            Library("public class Person { public string First = \"\", Last = \"\"; } public static class Logic { static Person p = new(); static int oldCount = 4; public static void Setup() { p.First = \"Ada\"; p.Last = \"Lovelace\"; } }"),
            Library("""
                public class Person { public string Full = ""; [OnMigrated] void Up(MigrationSource old) => Full = old.Get<string>("First") + " " + old.Get<string>("Last"); }
                public static class Logic { static Person p = null!; static long count; [OnMigrated] static void Up(MigrationSource old) => count = old.Get<long>("oldCount") * 10; public static string Describe() => $"{p.Full} {count}"; }
                """));
        Assert.Equal("Ada Lovelace 40", text);
        AssertOldGenerationUnloads();
    }

    [Fact]
    public void An_iterator_in_flight_is_left_out_and_a_thread_is_kept_and_both_are_named()
    {
        var (report, text) = Swap(
            Library("""
                public static class Logic
                {
                    static IEnumerator<int>? routine; static System.Threading.Thread? worker;
                    public static void Setup() { routine = Count(); routine.MoveNext(); worker = new System.Threading.Thread(() => { }); }
                    static IEnumerator<int> Count() { yield return 1; yield return 2; }
                }
                """),
            Library("""
                public static class Logic
                {
                    static IEnumerator<int>? routine; static System.Threading.Thread? worker;
                    public static string Describe() => $"{routine == null} {worker != null}";
                    static IEnumerator<int> Count() { yield return 1; }
                }
                """));
        Assert.Equal("True True", text);
        Assert.Contains(report.Problems, p => p.StartsWith("HR2014: 1 <Count>d__", StringComparison.Ordinal) && p.Contains("iterator or async method in flight (Game.Logic.Count)", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.StartsWith("HR2014: Logic.worker holds a Thread", StringComparison.Ordinal));
    }

    [Fact]
    public void A_library_object_stored_as_an_interface_of_the_host_and_tuples_carry_over()
    {
        var host = new Counter();
        var (_, text) = Swap(
            Library("""
                public class Tag : IComparable<int> { public int V; public int CompareTo(int o) => V.CompareTo(o); }
                public static class Logic
                {
                    static IComparable<int> c = null!; static (int, Tag) pair; static Tuple<Tag, string> t = null!; static KeyValuePair<string, Tag> kv; static Lazy<Tag> lazy = new(() => new Tag { V = 8 });
                    public static void Setup() { c = new Tag { V = 5 }; pair = (1, new Tag { V = 6 }); t = Tuple.Create(new Tag { V = 7 }, "s"); kv = new("k", (Tag)c); _ = lazy.Value; }
                }
                """),
            Library("""
                public class Tag : IComparable<int> { public int V; public int CompareTo(int o) => V.CompareTo(o); }
                public static class Logic
                {
                    static IComparable<int> c = null!; static (int, Tag) pair; static Tuple<Tag, string> t = null!; static KeyValuePair<string, Tag> kv; static Lazy<Tag> lazy = null!;
                    public static string Describe() => $"{c.CompareTo(5)} {pair.Item2.V} {t.Item1.V} {ReferenceEquals(kv.Value, c)} {lazy.Value.V}";
                }
                """));
        Assert.Equal("0 6 7 True 8", text);
        GC.KeepAlive(host);
        AssertOldGenerationUnloads();
    }
}

/// <summary>A host object that holds objects of the library, given to the migration as a root.</summary>
public sealed class Slots
{
    public object? Marker { get; set; }

    public List<object> Items { get; } = [];
}
