using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using HotReload.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace HotReload.Benchmarks;

/// <summary>
/// Figure "migrate": the library's own state carried over at every swap. A library keeps a world of squads, entities
/// and items (classes of 5 to 10 fields of mixed kinds, structs, enums, strings, lists, dictionaries, objects shared by
/// a list and a dictionary) in its static fields; each swap publishes a copy whose Entity gained or lost a field with an
/// initializer, and the host's Update migrates the whole world into it. Measured at 10k, 100k and 1M objects, beside a
/// copy of the same graph by reflection (FieldInfo.GetValue/SetValue, the same walk) and beside the library copying
/// its own world with ordinary constructors (the floor: what allocating those objects costs on this machine).
/// Then host memory over 100 migrating swaps.
/// </summary>
internal static class MigrateFigure
{
    private const string LibraryName = "MigratingWorld";

    /// <summary>The library. <c>EXTRA</c> becomes an added field (or nothing), so consecutive copies differ in shape.</summary>
    private const string Source = """
        using System;
        using System.Collections.Generic;

        namespace World;

        public struct Vec { public float X, Y, Z; }

        public enum Team { Red, Blue, Green }

        public sealed class Item
        {
            public string Name = "";
            public int Count;
            public double Weight;
            public Vec Offset;
            public Team Team;
        }

        public sealed class Entity
        {
            public int Id;
            public long Score;
            public string Tag = "";
            public Vec Position;
            public Vec Velocity;
            public Team Team;
            public double Health;
            public bool Alive;
            public Entity? Leader;
            public Item? Held;
            EXTRA
        }

        public sealed class Squad
        {
            public string Name = "";
            public int Rank;
            public Vec Center;
            public List<Entity> Members = new();
            public Dictionary<string, Item> Stash = new();
        }

        public static class Store
        {
            private static readonly string[] Names = { "alpha", "beta", "gamma", "delta" };
            private static List<Squad> squads = new();
            private static Dictionary<int, Entity> byId = new();

            /// <summary>Builds about <paramref name="objects"/> objects: 15 per squad (the squad, its list and dictionary, 8 entities, 4 items).</summary>
            public static int Build(int objects)
            {
                squads = new List<Squad>();
                byId = new Dictionary<int, Entity>();
                var id = 0;
                for (var s = 0; s < objects / 15; s++)
                {
                    var squad = new Squad { Name = Names[s % 4], Rank = s, Center = new Vec { X = s } };
                    for (var i = 0; i < 4; i++)
                    {
                        squad.Stash[Names[i]] = new Item { Name = Names[i], Count = i, Weight = i * 0.5, Team = (Team)(i % 3) };
                    }

                    for (var e = 0; e < 8; e++)
                    {
                        var entity = new Entity { Id = id++, Score = s * 8 + e, Tag = Names[e % 4], Health = 100, Alive = true, Team = (Team)(e % 3),
                            Position = new Vec { X = e, Y = s }, Leader = e == 0 ? null : squad.Members[0], Held = squad.Stash[Names[e % 4]] };
                        squad.Members.Add(entity);
                        byId[entity.Id] = entity;
                    }

                    squads.Add(squad);
                }

                return squads.Count * 15;
            }

            /// <summary>A sum over every value of the world: equal before and after a swap, or state was lost.</summary>
            public static long Checksum()
            {
                long sum = 0;
                foreach (var squad in squads)
                {
                    sum += squad.Rank + (long)squad.Center.X + squad.Stash.Count;
                    foreach (var entity in squad.Members)
                    {
                        sum += entity.Id + entity.Score + (long)entity.Position.Y + (entity.Held?.Count ?? 0) + (entity.Leader?.Id ?? 0) + (int)entity.Team;
                        sum += ReferenceEquals(byId[entity.Id], entity) ? 1 : 1000;
                        sum += ReferenceEquals(entity.Held, squad.Stash[entity.Tag]) ? 1 : 1000;
                    }
                }

                return sum;
            }

            /// <summary>The floor: the same world copied by hand, with constructors, in the library's own code.</summary>
            public static int CopyByHand()
            {
                var copies = new List<Squad>(squads.Count);
                var ids = new Dictionary<int, Entity>(byId.Count);
                foreach (var squad in squads)
                {
                    var copy = new Squad { Name = squad.Name, Rank = squad.Rank, Center = squad.Center };
                    var items = new Dictionary<Item, Item>();
                    foreach (var (key, item) in squad.Stash)
                    {
                        var itemCopy = new Item { Name = item.Name, Count = item.Count, Weight = item.Weight, Offset = item.Offset, Team = item.Team };
                        items[item] = itemCopy;
                        copy.Stash[key] = itemCopy;
                    }

                    foreach (var entity in squad.Members)
                    {
                        var entityCopy = new Entity { Id = entity.Id, Score = entity.Score, Tag = entity.Tag, Position = entity.Position, Velocity = entity.Velocity,
                            Team = entity.Team, Health = entity.Health, Alive = entity.Alive, Held = entity.Held is null ? null : items[entity.Held] };
                        entityCopy.Leader = entity.Leader is null ? null : ids[entity.Leader.Id];
                        copy.Members.Add(entityCopy);
                        ids[entity.Id] = entityCopy;
                    }

                    copies.Add(copy);
                }

                GC.KeepAlive(copies);
                return copies.Count;
            }
        }
        """;

    public static bool Run(bool quick)
    {
        using var scratch = new Scratch("migrate");
        var compiler = new WorldCompiler();
        // MIGRATE_SIZES=100000 MIGRATE_SWAPS=8 (environment) measure other sizes and swap counts, for a quicker look.
        var sizes = Environment.GetEnvironmentVariable("MIGRATE_SIZES") is { } custom ? custom.Split(",").Select(int.Parse).ToArray() : quick ? new[] { 10_000, 30_000 } : [10_000, 100_000, 1_000_000];
        var rows = new List<string[]>();
        var ok = true;
        foreach (var size in sizes)
        {
            var swaps = Environment.GetEnvironmentVariable("MIGRATE_SWAPS") is { } customSwaps ? int.Parse(customSwaps) : quick ? 2 : 20;
            var reflectionRuns = quick ? 1 : size >= 1_000_000 ? 3 : size >= 100_000 ? 5 : 20;
            var result = Measure(Path.Combine(scratch.Path, size.ToString(CultureInfo.InvariantCulture)), compiler, size, swaps, reflectionRuns);
            ok &= result.StateKept;
            rows.Add(
            [
                result.Objects.ToString("N0", CultureInfo.InvariantCulture), swaps.ToString(CultureInfo.InvariantCulture),
                Ms(SwapDriver.Percentile(result.Migrate, 50)), Ms(SwapDriver.Percentile(result.Migrate, 90)),
                Ms(SwapDriver.Percentile(result.Swap, 50)),
                $"{Ms(SwapDriver.Percentile(result.NextCollections, 50))} / {Ms(SwapDriver.Percentile(result.NextCollections, 90))}",
                $"{SwapDriver.Percentile(result.Migrate, 50) * 1e6 / result.Objects:F0}",
                Ms(SwapDriver.Percentile(result.ByHand, 50)),
                $"{Ms(SwapDriver.Percentile(result.Reflection, 50))} ({reflectionRuns})",
                $"{SwapDriver.Percentile(result.Reflection, 50) / SwapDriver.Percentile(result.Migrate, 50):F1}x",
                result.StateKept ? "yes" : "**no**",
            ]);
        }

        var memory = MeasureMemory(Path.Combine(scratch.Path, "memory"), compiler, quick ? 10 : 100, quick ? 5_000 : 10_000);
        ok &= memory.AllUnloaded;
        var table = Report.Table(
            ["objects", "swaps", "migrate p50 (ms)", "p90", "whole in-frame swap p50", "next 3 collections' pauses p50 / p90", "ns per object", "copy by hand p50 (the floor)", "reflection copy p50 (runs)", "reflection / ours", "state kept"],
            rows);
        var memoryTable = Report.Table(
            ["swaps done", "managed heap (MB)", "working set (MB)", "generations unloaded"],
            memory.Points.Select(p => new[] { p.Swaps.ToString(CultureInfo.InvariantCulture), $"{p.Heap:F1}", $"{p.WorkingSet:F1}", p.Unloaded.ToString(CultureInfo.InvariantCulture) }));
        Report.Publish("migrate", quick, "State migration", table + $$"""

            - **migrate**: `GenerationChangedEventArgs.Migration.Time`, the migration's part of the swap on the host's thread
              (its plan, the generated copy code of every type pair, is made off the host's thread while the copy loads);
              **whole in-frame swap**: `SwapTime`, all of `Update()` for that swap (bind, migrate, hooks, commit).
              **next 3 collections' pauses**: the host's first three collections after the swap, summed, brought about by
              a frame loop's garbage (small arrays): a migration in a no-GC region (sized from the heap for a
              session's first, from what the last one allocated after it) leaves its new objects to be promoted there.
              Each swap publishes a copy whose `Entity` gained (or, the next time, lost) `int Extra = 1`, so every
              swap runs an initializer on every entity; the host then calls `Store.Checksum()`, which must give the
              value it gave before the swaps (**state kept**).
            - The world: per squad, the squad, its `List<Entity>`, its `Dictionary<string, Item>`, 8 entities (10
              fields: numbers, a string, two `Vec` structs, an enum, a reference to the squad's first entity, a
              reference to an item of the dictionary) and 4 items (5 fields); strings and the names are shared, as
              strings are. The `List<Squad>` and `Dictionary<int, Entity>` in static fields hold them all. **objects**
              is what the migration counted.
            - **copy by hand**: the library's own code copying the same world with `new` and its constructors
              (`Store.CopyByHand`): no mapping, no identity map for most objects, the collections built by their
              own methods. The floor of any approach that builds the new objects, on this machine.
            - **reflection copy**: the same graph walked the same way (identity map, work queue, old type to new type by
              name), every field through `FieldInfo.GetValue`/`SetValue`, every array element through
              `Array.GetValue`/`SetValue`, collections through their fields; as a reflection-based migrator (s&box's
              hotload, for example) does. Fewer runs at the larger sizes: the number in brackets.
            - The goal (issue 14): 1M objects ≤ 250 ms and 10k ≤ 3 ms, over 5 times faster per object than s&box's
              published 1.1 µs per object (3,272,107 instances in 3.65 s).

            Host memory over {{memory.Points[^1].Swaps}} migrating swaps of a {{memory.Objects:N0}}-object world (after a full collection each time):

            """ + memoryTable);
        return ok;
    }

    private sealed record Result(int Objects, List<double> Migrate, List<double> Swap, List<double> Reflection, List<double> ByHand, List<double> NextCollections, bool StateKept);

    private static Result Measure(string root, WorldCompiler compiler, int size, int swaps, int reflectionRuns)
    {
        var folder = new MigrationCopies(root, compiler);
        folder.Publish(1);
        var library = ReloadableLibrary.Open(compiler.Static, folder.Directory, new ReloadOptions { CompileOnSave = false });
        var build = library.Bind(compiler.StaticMethod<Func<int, int>>("Build"));
        var checksum = library.Bind(compiler.StaticMethod<Func<long>>("Checksum"));
        var byHand = library.Bind(compiler.StaticMethod<Func<int>>("CopyByHand"));
        build.Invoke(size);
        var expected = checksum.Invoke();
        var migrate = new List<double>();
        var swapTimes = new List<double>();
        var nextCollections = new List<double>();
        var hand = new List<double>();
        var objects = 0;
        var kept = true;
        GenerationChangedEventArgs? last = null;
        var unloaded = 0;
        library.GenerationChanged += (_, e) => last = e;
        library.GenerationUnloaded += (_, _) => unloaded++;
        for (var generation = 2; generation <= swaps + 1; generation++)
        {
            folder.Stage(generation);

            // As between two saves: the generation before has left memory (the runtime's collections that prove it are
            // over), and the last swap's garbage (the old generation's world) is not this swap's cost.
            var settle = Stopwatch.StartNew();
            while (unloaded < generation - 2 && settle.Elapsed < TimeSpan.FromSeconds(30))
            {
                library.Update();
                Thread.Sleep(10);
            }

            kept &= unloaded >= generation - 2;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(50);
            last = null;
            var gcs = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var paused = GC.GetTotalPauseDuration();
            folder.Publish(generation);
            var deadline = Stopwatch.StartNew();
            while (library.Generation != generation)
            {
                library.Update();
                Thread.Sleep(1);
                if (deadline.Elapsed > TimeSpan.FromMinutes(2))
                {
                    throw new TimeoutException($"copy {generation} did not go live");
                }
            }

            var report = last!.Migration!;
            migrate.Add(report.Time.TotalMilliseconds);
            swapTimes.Add(last.SwapTime.TotalMilliseconds);
            objects = report.Objects;
            var swapCollections = $"{GC.CollectionCount(0) - gcs.Item1}/{GC.CollectionCount(1) - gcs.Item2}/{GC.CollectionCount(2) - gcs.Item3} (gen 0/1/2), "
                + $"{(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:F0} ms paused";
            var (nextPause, nextEach) = NextCollections();
            nextCollections.Add(nextPause);
            kept &= checksum.Invoke() == expected;
            Console.WriteLine($"{size}: swap {generation - 1}/{swaps}: {report}, swap {last.SwapTime.TotalMilliseconds:F1} ms; "
                + $"collections since publishing: {swapCollections}; the next 3 collections: {nextEach}");
            var clock = Stopwatch.StartNew();
            byHand.Invoke();
            hand.Add(clock.Elapsed.TotalMilliseconds);
        }

        var reflection = new List<double>();
        for (var run = 0; run < reflectionRuns; run++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            reflection.Add(ReflectionCopy.Time(checksum.Delegate.Method.Module.Assembly, compiler.Load(1000 + run, run % 2 == 0)));
            Console.WriteLine($"{size}: reflection copy {run + 1}/{reflectionRuns}: {reflection[^1]:F0} ms");
        }

        library.Dispose();
        return new Result(objects, migrate, swapTimes, reflection, hand, nextCollections, kept);
    }

    /// <summary>
    /// The host's next three collections after the swap, as a frame loop's garbage brings them about (small arrays): the
    /// objects a migration builds are promoted there if no collection ran during it. Their pauses, summed, and each one.
    /// </summary>
    private static (double Pause, string Each) NextCollections()
    {
        var paused = GC.GetTotalPauseDuration();
        var each = new List<string>();
        object? garbage = null;
        for (var collection = 0; collection < 3; collection++)
        {
            var before = GC.CollectionCount(0);
            var pausedBefore = GC.GetTotalPauseDuration();
            for (var i = 0; i < 8_000_000 && GC.CollectionCount(0) == before; i++)
            {
                garbage = new byte[40];
            }

            var info = GC.GetGCMemoryInfo(GCKind.Any);
            each.Add($"gen {info.Generation}{(info.Concurrent ? " background" : "")} {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:F0} ms");
        }

        GC.KeepAlive(garbage);
        return ((GC.GetTotalPauseDuration() - paused).TotalMilliseconds, string.Join(", ", each));
    }

    private sealed record MemoryPoint(int Swaps, double Heap, double WorkingSet, int Unloaded);

    private sealed record MemoryResult(int Objects, List<MemoryPoint> Points, bool AllUnloaded);

    private static MemoryResult MeasureMemory(string root, WorldCompiler compiler, int swaps, int size)
    {
        var folder = new MigrationCopies(root, compiler);
        folder.Publish(1);
        using var library = ReloadableLibrary.Open(compiler.Static, folder.Directory, new ReloadOptions { CompileOnSave = false });
        var unloaded = 0;
        library.GenerationUnloaded += (_, _) => unloaded++;
        var objects = library.Bind(compiler.StaticMethod<Func<int, int>>("Build")).Invoke(size);
        var points = new List<MemoryPoint> { Point(0) };
        for (var generation = 2; generation <= swaps + 1; generation++)
        {
            folder.Stage(generation);
            folder.Publish(generation);
            while (library.Generation != generation)
            {
                library.Update();
                Thread.Sleep(1);
            }

            folder.Prune(generation);
            if ((generation - 1) % (swaps / 4) == 0)
            {
                var wait = Stopwatch.StartNew();
                while (unloaded < generation - 2 && wait.Elapsed < TimeSpan.FromSeconds(20))
                {
                    library.Update();
                    Thread.Sleep(20);
                }

                points.Add(Point(generation - 1));
            }
        }

        return new MemoryResult(objects, points, unloaded >= swaps - 1);

        MemoryPoint Point(int done)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return new MemoryPoint(done, GC.GetTotalMemory(true) / 1048576.0, Process.GetCurrentProcess().WorkingSet64 / 1048576.0, unloaded);
        }
    }

    private static string Ms(double value) => value.ToString(value < 10 ? "F2" : "F0", CultureInfo.InvariantCulture);

    /// <summary>Compiles the world library: the static one (loaded in the default context) and its numbered copies.</summary>
    private sealed class WorldCompiler
    {
        private readonly MetadataReference[] _references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();

        public WorldCompiler() => Static = Assembly.Load(Compile(LibraryName, withExtra: false));

        public Assembly Static { get; }

        public T StaticMethod<T>(string name) where T : Delegate => Static.GetType("World.Store")!.GetMethod(name)!.CreateDelegate<T>();

        /// <summary>Copy <paramref name="generation"/>: an even one has Entity.Extra, an odd one does not.</summary>
        public byte[] Compile(int generation) => Compile(LibraryName + "." + generation, withExtra: generation % 2 == 0);

        /// <summary>A copy loaded into a throw-away collectible context, for the reflection copy to migrate into.</summary>
        public Assembly Load(int generation, bool withExtra) =>
            new AssemblyLoadContext("reflection target " + generation, isCollectible: true).LoadFromStream(new MemoryStream(Compile(LibraryName + "." + generation, withExtra)));

        private byte[] Compile(string name, bool withExtra)
        {
            var compilation = CSharpCompilation.Create(name, [CSharpSyntaxTree.ParseText(Source.Replace("EXTRA", withExtra ? "public int Extra = 1;" : ""))],
                _references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            using var stream = new MemoryStream();
            var result = compilation.Emit(stream);
            return result.Success ? stream.ToArray() : throw new InvalidOperationException(string.Join(Environment.NewLine, result.Diagnostics));
        }
    }

    /// <summary>The folder of copies, written the SDK's way: staged, then renamed into place.</summary>
    private sealed class MigrationCopies(string root, WorldCompiler compiler)
    {
        public string Directory { get; } = System.IO.Directory.CreateDirectory(Path.Combine(root, "copies")).FullName;

        private string Staging { get; } = System.IO.Directory.CreateDirectory(Path.Combine(root, "staged")).FullName;

        public void Stage(int generation)
        {
            var folder = System.IO.Directory.CreateDirectory(Path.Combine(Staging, N(generation))).FullName;
            File.WriteAllBytes(Path.Combine(folder, $"{LibraryName}.{generation}.dll"), compiler.Compile(generation));
        }

        public void Publish(int generation)
        {
            if (!System.IO.Directory.Exists(Path.Combine(Staging, N(generation))))
            {
                Stage(generation);
            }

            System.IO.Directory.Move(Path.Combine(Staging, N(generation)), Path.Combine(Directory, N(generation)));
        }

        public void Prune(int newest)
        {
            var old = Path.Combine(Directory, N(newest - CopyFolder.KeepCopies));
            if (System.IO.Directory.Exists(old))
            {
                System.IO.Directory.Delete(old, recursive: true);
            }
        }

        private static string N(int generation) => generation.ToString(CultureInfo.InvariantCulture);
    }
}
