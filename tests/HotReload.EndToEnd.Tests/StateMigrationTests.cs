using System.Globalization;
using System.Text.RegularExpressions;
using static HotReload.EndToEnd.Tests.LiveEdits;

namespace HotReload.EndToEnd.Tests;

/// <summary>
/// The library's own state survives every save, edits to its shape included: a real host, real saves, and a library
/// that keeps its world in static fields, in objects of its own classes, in a struct array, a list and a dictionary
/// sharing an object, a stored lambda, an event handler, and an object parked in the host's tracked state. Every frame
/// prints that state; every line is checked against the one before it (nothing restarted, nothing lost), and after
/// every save the generation before it must leave memory.
/// </summary>
public sealed partial class StateMigrationTests
{
    /// <summary>One version of the library's source: each edit changes one thing of it.</summary>
    private sealed record Shape(
        string Name,
        int Step = 1,                 // the stored lambda's body: x => x + Step
        bool Armor = false,           // Enemy gains `int Armor = 5`
        string HpType = "int",        // Enemy.Hp retyped
        bool RenamedHp = false,       // Enemy.Hp renamed to Health, with [RenamedFrom("Hp")]
        bool Things = false,          // a List<object> of the library's objects
        bool LootType = false,        // a new class, kept in that list
        bool ActorBase = false,       // Enemy : Actor, a base class inserted
        int Click = 1,                // the event handler's body: clicks += Click
        string BodyY = "int",         // Body.Y, a field of a struct in an array, retyped
        bool MarkerTag = false);      // Marker, parked in the host's state, gains `string Tag = "t"`

    private static string Source(Shape s)
    {
        var hp = s.RenamedHp ? "Health" : "Hp";
        return $$"""
            using Common;
            using HotReload.Runtime;

            namespace StateManipulation;

            public static class Logic
            {
                static long frame;
                static readonly List<Enemy> enemies = new();
                static Dictionary<string, Enemy> byName = new();
                static Body[] bodies = new Body[3];
                static Func<long, long> step = x => x + {{s.Step}};
                static Button button = new();
                static int clicks;
                {{(s.Things ? "static List<object> things = new();" : "")}}

                public static State NewState() => new();

                public static void UpdateAndRender(Platform platform, State state)
                {
                    if (frame == 0)
                    {
                        Setup(state);
                    }

                    frame++;
                    state.Counter = step(state.Counter);
                    button.Click();
                    for (var i = 0; i < bodies.Length; i++)
                    {
                        bodies[i].Y += 1;
                    }

                    {{(s.LootType ? "if (things.Count == 0) things.Add(new Loot());" : "")}}
                    var boss = byName["boss"];
                    var marker = (Marker)state.Slot!;
                    platform.Print($"F {frame} C {state.Counter} s={{s.Name}} | hp={boss.{{hp}}} orc={byName["orc"].{{hp}}} same={ReferenceEquals(enemies[0], boss)} list={enemies.Count} y={bodies[2].Y} clicks={clicks} slot={marker.Id}{{(s.Armor ? " armor={boss.Armor}" : "")}}{{(s.Things ? " loot={things.Count}" : "")}}{{(s.ActorBase ? " kind={boss.Kind}" : "")}}{{(s.MarkerTag ? " tag={marker.Tag}" : "")}}");
                }

                static void Setup(State state)
                {
                    var boss = new Enemy { Name = "boss", {{hp}} = 100 };
                    enemies.Add(boss);
                    enemies.Add(new Enemy { Name = "orc", {{hp}} = 30 });
                    byName["boss"] = boss;
                    byName["orc"] = enemies[1];
                    button.Clicked += () => clicks += {{s.Click}};
                    state.Slot = new Marker { Id = 7 };
                }
            }

            {{(s.ActorBase ? "public class Actor { public string Kind = \"actor\"; }" : "")}}
            public class Enemy{{(s.ActorBase ? " : Actor" : "")}}
            {
                public string Name = "";
                {{(s.RenamedHp ? "[RenamedFrom(\"Hp\")] " : "")}}public {{s.HpType}} {{hp}};
                {{(s.Armor ? "public int Armor = 5;" : "")}}
            }

            public struct Body { public {{s.BodyY}} Y; }

            public class Button
            {
                public event Action? Clicked;

                public void Click() => Clicked?.Invoke();
            }

            public class Marker
            {
                public int Id;
                {{(s.MarkerTag ? "public string Tag = \"t\";" : "")}}
            }

            {{(s.LootType ? "public class Loot { public int Gold = 3; }" : "")}}
            """;
    }

    [Fact]
    public void The_librarys_state_survives_every_kind_of_edit_and_every_old_generation_unloads()
    {
        using var ws = new Workspace();
        ws.Edit(Path.Combine(ws.Root, "Common", "State.cs"), "public long Counter { get; set; }",
            "public long Counter { get; set; }\n\n    /// <summary>Where the library parks an object of its own (the host tracks this state).</summary>\n    public object? Slot { get; set; }");
        var shape = new Shape("start");
        File.WriteAllText(ws.LogicFile, Source(shape));
        using var host = StartLiveHost(ws);
        host.WaitFor(l => l.Contains("s=start", StringComparison.Ordinal), "the first frames");

        // Each edit, and what the host's generation line must say changed.
        (Shape Shape, string? Change, string? Problem)[] edits =
        [
            (shape = shape with { Name = "lambda", Step = 10 }, null, null),
            (shape = shape with { Name = "added", Armor = true }, "Enemy.Armor new = 5", null),
            (shape = shape with { Name = "retyped", HpType = "long" }, "Enemy.Hp int → long", null),
            (shape = shape with { Name = "renamed", RenamedHp = true }, "Enemy.Health ← Hp", null),
            (shape = shape with { Name = "removed", Armor = false }, "Enemy.Armor removed", null),
            (shape = shape with { Name = "newtype", Things = true, LootType = true }, null, null),
            (shape = shape with { Name = "typegone", LootType = false }, null, "HR2013: 1 Loot left out: it is gone from the new code"),
            (shape = shape with { Name = "base", ActorBase = true }, "Enemy now derives from Actor", null),
            (shape = shape with { Name = "handler", Click = 100 }, null, null),
            (shape = shape with { Name = "struct", BodyY = "double" }, "Body.Y int → double", null),
            (shape = shape with { Name = "tracked", MarkerTag = true }, "Marker.Tag new = \"t\"", null),
        ];

        foreach (var (edit, change, problem) in edits)
        {
            var at = host.Lines.Count;
            File.WriteAllText(ws.LogicFile, Source(edit));
            var live = host.WaitFor(l => LiveLine().IsMatch(l), $"the '{edit.Name}' edit to go live", TimeSpan.FromMinutes(2), at);
            var liveText = host.Lines[live].Text;
            var generation = int.Parse(LiveLine().Match(liveText).Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(liveText.Contains(", migrate ", StringComparison.Ordinal), liveText);
            if (change is not null)
            {
                Assert.True(liveText.Contains(change, StringComparison.Ordinal), $"'{change}' not in: {liveText}");
            }

            if (problem is not null)
            {
                host.WaitFor(l => l.StartsWith("[hotreload] " + problem, StringComparison.Ordinal), $"'{problem}'", from: at);
            }

            var first = host.WaitFor(l => l.Contains($"s={edit.Name} ", StringComparison.Ordinal), $"a frame of '{edit.Name}'", from: at);
            host.WaitFor(l => l.Contains($"s={edit.Name} ", StringComparison.Ordinal), "a second frame", from: first + 1);
            host.WaitFor(l => l.StartsWith($"[hotreload] generation {generation - 1} unloaded", StringComparison.Ordinal),
                $"generation {generation - 1} to unload after the '{edit.Name}' edit", TimeSpan.FromSeconds(30), at);
        }

        AssertContinuous(host, edits.Select(e => e.Shape).Prepend(new Shape("start")).ToList());
        Assert.DoesNotContain(host.Lines, l => l.Text.Contains("HR2009", StringComparison.Ordinal) || l.Text.Contains(": error ", StringComparison.Ordinal));
        Assert.Single(host.Lines, l => l.Text.Contains(" running", StringComparison.Ordinal)); // never restarted
    }

    /// <summary>
    /// Every frame line against the one before it: the frame counts on by one (no restart), the counter and the clicks by
    /// the step of the code that ran, the struct array's field equals the frame, and every object kept its values.
    /// </summary>
    private static void AssertContinuous(HostProcess host, List<Shape> shapes)
    {
        var frames = host.Lines.Select(l => FrameLine().Match(l.Text)).Where(m => m.Success).ToList();
        Assert.True(frames.Count > 3 * shapes.Count, $"only {frames.Count} frames{Environment.NewLine}{host.Transcript()}");
        long lastFrame = 0, lastCounter = 0, lastClicks = 0;
        foreach (var frame in frames)
        {
            var shape = shapes.Single(s => s.Name == frame.Groups[3].Value);
            var values = frame.Groups[4].Value.Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
            var number = long.Parse(frame.Groups[1].Value, CultureInfo.InvariantCulture);
            var counter = long.Parse(frame.Groups[2].Value, CultureInfo.InvariantCulture);
            var clicks = long.Parse(values["clicks"], CultureInfo.InvariantCulture);
            var line = frame.Value;
            Assert.True(number == lastFrame + 1, $"frame {lastFrame} then {number}: the library's state restarted or skipped: {line}");
            Assert.True(counter - lastCounter == shape.Step, $"the counter stepped by {counter - lastCounter}, not {shape.Step}: {line}");
            Assert.True(clicks - lastClicks == shape.Click, $"the clicks stepped by {clicks - lastClicks}, not {shape.Click}: {line}");
            Assert.Equal(number, (long)double.Parse(values["y"], CultureInfo.InvariantCulture));
            Assert.Equal(("100", "30", "True", "2", "7"), (values["hp"], values["orc"], values["same"], values["list"], values["slot"]));
            Assert.Equal(shape.Armor ? "5" : null, values.GetValueOrDefault("armor"));
            Assert.Equal(shape.Things ? (shape.LootType ? "1" : "0") : null, values.GetValueOrDefault("loot"));
            Assert.Equal(shape.ActorBase ? "actor" : null, values.GetValueOrDefault("kind"));
            Assert.Equal(shape.MarkerTag ? "t" : null, values.GetValueOrDefault("tag"));
            (lastFrame, lastCounter, lastClicks) = (number, counter, clicks);
        }
    }

    [GeneratedRegex(@"^F (\d+) C (\d+) s=(\w+) \| (.*)$")]
    private static partial Regex FrameLine();

    [GeneratedRegex(@"^\[hotreload\] generation (\d+) live")]
    private static partial Regex LiveLine();
}
