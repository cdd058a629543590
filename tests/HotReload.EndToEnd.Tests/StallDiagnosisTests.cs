using System.Text.RegularExpressions;
using Xunit.Abstractions;
using static HotReload.EndToEnd.Tests.LiveEdits;

namespace HotReload.EndToEnd.Tests;

/// <summary>
/// A saved edit leaks its generation the ways real code does: a lambda on AppDomain.ProcessExit, a named thread that keeps
/// running the library's code, a GCHandle of a library object, a handler on a static event of a host assembly, and a
/// timer. The next save releases it; the real host must name every holder with the path from its root, linked to the
/// source, and report the late unload once a further save lets go of them.
/// </summary>
public sealed partial class StallDiagnosisTests(ITestOutputHelper output)
{
    /// <summary>A host assembly's static event and a flag the library's leaked thread watches.</summary>
    private const string HostLeaks = """
        namespace Common;

        /// <summary>Things of the host that a library can hold on to (for the stall tests).</summary>
        public static class Leaks
        {
            public static event Action? Tick;

            public static volatile bool Stop;

            public static void Raise() => Tick?.Invoke();
        }
        """;

    private static string Leaky(string name) => $$"""
        using System.Runtime.InteropServices;
        using Common;

        namespace StateManipulation;

        public static class Logic
        {
            static bool leaked;
            static int ticks;

            public static State NewState() => new();

            public static void UpdateAndRender(Platform platform, State state)
            {
                if (!leaked)
                {
                    leaked = true;
                    Leak();
                }

                platform.Print($"{{name}} {state.Counter}");
                state.Counter += 1;
            }

            static void Leak()
            {
                EventHandler onExit = (_, _) => ticks++;
                AppDomain.CurrentDomain.ProcessExit += onExit;
                var handle = GCHandle.Alloc(new Marker());
                Leaks.Tick += OnTick;
                var timer = new Timer(_ => ticks++, null, 600_000, 600_000);
                new Thread(() => Work(onExit, handle, timer)) { Name = "worker-7", IsBackground = true }.Start();
            }

            static void OnTick() => ticks++;

            // Runs until the host says stop, then lets go of everything Leak took.
            static void Work(EventHandler onExit, GCHandle handle, Timer timer)
            {
                while (!Leaks.Stop)
                {
                    Thread.Sleep(20);
                }

                AppDomain.CurrentDomain.ProcessExit -= onExit;
                handle.Free();
                Leaks.Tick -= OnTick;
                timer.Dispose();
            }
        }

        public class Marker
        {
            public int Id = 7;
        }
        """;

    private static string Clean(string name, bool stop = false) => $$"""
        using Common;

        namespace StateManipulation;

        public static class Logic
        {
            public static State NewState() => new();

            public static void UpdateAndRender(Platform platform, State state)
            {
                {{(stop ? "Leaks.Stop = true;" : "")}}
                platform.Print($"{{name}} {state.Counter}");
                state.Counter += 1;
            }
        }
        """;

    [Fact]
    public void Every_holder_is_named_with_its_path_and_source_and_the_late_unload_is_reported()
    {
        using var ws = LeakyWorkspace();
        using var host = StartLiveHost(ws);

        Save(ws, host, Leaky("leaky"), "leaky");
        var at = Save(ws, host, Clean("clean"), "clean");
        var searched = host.WaitFor(l => l.StartsWith("[hotreload] holders of generation 2 searched", StringComparison.Ordinal),
            "generation 2's stall to be searched", TimeSpan.FromMinutes(1), at);
        var stall = host.Lines.Skip(at).Take(searched - at).Select(l => l.Text).Where(l => l.Contains("HR2009", StringComparison.Ordinal)).ToList();
        output.WriteLine(string.Join(Environment.NewLine, stall.Append(host.Lines[searched].Text)));
        Assert.Contains("(attached live; host paused 0 ms)", host.Lines[searched].Text);

        // Each holder: the root, the path to the generation, and where it ends in the source, in the canonical format.
        var logic = Regex.Escape(ws.LogicFile);
        AssertHolder(stall, $@"^{logic}\(\d+,\d+\): warning HR2009: generation 2 is still in memory \d+ s after its release, held by the static event AppDomain\.CurrentDomain\.ProcessExit → a delegate to a lambda in StateManipulation\.Logic\.Leak \(detach the handler");
        AssertHolder(stall, $@"^{logic}\(\d+,\d+\): warning HR2009: .*held by thread 'worker-7' \(managed id \d+\), which is running StateManipulation\.Logic\.Work of the generation");
        AssertHolder(stall, @"held by a GC handle \(Normal\) → a StateManipulation\.Marker of the generation \(free the handle");
        AssertHolder(stall, $@"^{logic}\(\d+,\d+\): warning HR2009: .*held by the static event Common\.Leaks\.Tick → .*a delegate to StateManipulation\.Logic\.OnTick \(detach the handler");
        AssertHolder(stall, $@"^{logic}\(\d+,\d+\): warning HR2009: .*held by a System\.Threading\.Timer → .*a delegate to a lambda in StateManipulation\.Logic\.Leak \(dispose or cancel it");

        // The thread's line points at the loop it is in; the lambda's at the lambda: in the leaky generation's source
        // (the file on disk holds the later save by now).
        var source = Leaky("leaky").ReplaceLineEndings("\n").Split('\n');
        Assert.Contains("Thread.Sleep(20)", LineAt(source, stall.Single(l => l.Contains("worker-7", StringComparison.Ordinal))));
        Assert.Contains("EventHandler onExit = (_, _) => ticks++;", LineAt(source, stall.Single(l => l.Contains("ProcessExit", StringComparison.Ordinal))), StringComparison.Ordinal);

        // The frame loop went on during the search: frames printed between the stall's detection and its report.
        Assert.True(host.Lines.Skip(at).Take(searched - at).Count(l => l.Text.StartsWith("clean ", StringComparison.Ordinal)) > 5, host.Transcript());

        // A further save tells the thread to stop; it lets go of everything on its way out, and generation 2 unloads late.
        at = Save(ws, host, Clean("stopped", stop: true), "stopped");
        host.WaitFor(l => Regex.IsMatch(l, @"^\[hotreload\] generation 2 unloaded \(\d+ ms after release, late\)"), "generation 2's late unload", TimeSpan.FromMinutes(1), at);
        host.WaitFor(l => l.StartsWith("[hotreload] generation 3 unloaded", StringComparison.Ordinal), "generation 3's unload", TimeSpan.FromMinutes(1), at);
    }

    [Fact]
    public void Where_the_heap_cannot_be_read_from_outside_the_runtime_says_why_and_a_dump_names_the_thread_where_allowed()
    {
        using var ws = LeakyWorkspace();

        // The host's runtime refuses to write a dump (its diagnostics are off), and attaching is not tried: the runtime's
        // own search names what it can see, and says why it could not see more.
        using (var refused = StartLiveHost(ws, new Dictionary<string, string> { ["HOTRELOAD_STALL_DIAGNOSIS"] = "dump", ["DOTNET_EnableDiagnostics"] = "0" }))
        {
            Save(ws, refused, Leaky("leaky"), "leaky");
            var at = Save(ws, refused, Clean("clean"), "clean");
            var stall = refused.WaitFor(l => l.Contains("HR2009: generation 2", StringComparison.Ordinal), "generation 2's stall", TimeSpan.FromMinutes(1), at);
            var text = refused.Lines[stall].Text;
            output.WriteLine(text);
            Assert.Matches(@"^\[hotreload\] HR2009: generation 2 is still in memory \d+ s after its release, held by the static event Common\.Leaks\.Tick → a delegate to StateManipulation\.Logic\.OnTick \(detach the handler in an \[OnGenerationReleasing\] hook\)\. \(searched in-process only, which cannot see threads, GC handles or the framework's events: a dump was refused \(.+\)\)$", text);
            refused.WaitFor(l => l.StartsWith("[hotreload] holders of generation 2 searched in ", StringComparison.Ordinal) && l.EndsWith("(in-process; host paused 0 ms)", StringComparison.Ordinal),
                "the in-process search's summary", from: at);
        }

        // Dumps allowed: a dump of the host names the thread too, and says how long the host paused for it.
        // It starts on the newest copy (3); the leaky save is 4.
        using var dumped = StartLiveHost(ws, new Dictionary<string, string> { ["HOTRELOAD_STALL_DIAGNOSIS"] = "dump" }, build: false, generation: 3);
        Save(ws, dumped, Leaky("leaky2"), "leaky2");
        var from = Save(ws, dumped, Clean("clean2"), "clean2");
        var summary = dumped.WaitFor(l => l.StartsWith("[hotreload] holders of generation 4 searched", StringComparison.Ordinal),
            "the dump's search", TimeSpan.FromMinutes(1), from);
        output.WriteLine(string.Join(Environment.NewLine, dumped.Lines.Skip(from).Take(summary - from + 1).Select(l => l.Text).Where(l => l.Contains("HR2009") || l.Contains("holders"))));
        Assert.Matches(@"\(from a dump; host paused \d+ ms\)$", dumped.Lines[summary].Text);
        Assert.Contains(dumped.Lines.Skip(from).Take(summary - from), l => l.Text.Contains("held by thread 'worker-7'", StringComparison.Ordinal));
    }

    private static Workspace LeakyWorkspace()
    {
        var ws = new Workspace();
        File.WriteAllText(Path.Combine(ws.Root, "Common", "Leaks.cs"), HostLeaks);
        return ws;
    }

    /// <summary>Saves <paramref name="source"/> and waits for its first frame; returns the line the save was made at.</summary>
    private static int Save(Workspace ws, HostProcess host, string source, string name)
    {
        var at = host.Lines.Count;
        File.WriteAllText(ws.LogicFile, source);
        host.WaitFor(l => l.StartsWith(name + " ", StringComparison.Ordinal), $"the '{name}' edit to run", TimeSpan.FromMinutes(2), at);
        return at;
    }

    private static void AssertHolder(List<string> stall, string pattern) =>
        Assert.True(stall.Any(l => Regex.IsMatch(l, pattern)), $"no line matches {pattern}:{Environment.NewLine}{string.Join(Environment.NewLine, stall)}");

    /// <summary>The source line a canonical <c>path(line,col): ...</c> line points at.</summary>
    private static string LineAt(string[] source, string canonical)
    {
        var match = Regex.Match(canonical, @"\((\d+),\d+\): warning ");
        Assert.True(match.Success, canonical);
        return source[int.Parse(match.Groups[1].Value) - 1];
    }
}
