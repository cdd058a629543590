using HotReload.Runtime;

namespace HotReload.Tests.Migration;

public sealed class MigrationSmokeTests
{
    [Fact]
    public void Statics_objects_and_collections_carry_over()
    {
        const string v1 = """
            using System.Collections.Generic;
            namespace Game;
            public class Enemy { public int Hp; public string Name = ""; public Enemy? Target; }
            public static class Logic
            {
                static int counter;
                static List<Enemy> enemies = new();
                static Dictionary<string, Enemy> byName = new();
                public static void Setup()
                {
                    counter = 41;
                    var a = new Enemy { Hp = 10, Name = "a" };
                    var b = new Enemy { Hp = 20, Name = "b", Target = a };
                    a.Target = b;
                    enemies.Add(a); enemies.Add(b);
                    byName["a"] = a; byName["b"] = b;
                }
            }
            """;
        const string v2 = """
            using System.Collections.Generic;
            namespace Game;
            public class Enemy { public long Hp; public string Name = ""; public Enemy? Target; public int Armor = 5; }
            public static class Logic
            {
                static int counter;
                static List<Enemy> enemies = new();
                static Dictionary<string, Enemy> byName = new();
                public static string Describe() =>
                    $"{counter} {enemies.Count} {enemies[0].Hp} {enemies[1].Target == enemies[0]} {byName["a"] == enemies[0]} {enemies[0].Armor} {enemies[0].GetType().Assembly.GetName().Name}";
            }
            """;
        using var harness = new MigrationHarness();
        var (report, text) = Run(harness, v1, v2);
        Assert.StartsWith("41 2 10 True True 5 ", text);
        Assert.Contains("Enemy.Hp int → long", report.Changes);
        Assert.Contains("Enemy.Armor new = 5", report.Changes);
        Assert.Empty(report.Problems);
        Assert.True(harness.Unloads(0), "generation 1 stays in memory after the migration");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (MigrationReport, string) Run(MigrationHarness harness, string v1, string v2)
    {
        var g1 = harness.Load(1, v1);
        MigrationHarness.Call(g1, "Game.Logic.Setup");
        var g2 = harness.Load(2, v2);
        var report = MigrationHarness.Migrate(g1, g2);
        return (report, (string)MigrationHarness.Call(g2, "Game.Logic.Describe")!);
    }
}
