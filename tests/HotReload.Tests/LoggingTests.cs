using HotReload.Extensions.Logging;
using HotReload.Runtime;
using HotReload.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace HotReload.Tests;

/// <summary>A real library's events, through HotReload.Extensions.Logging, into an ILogger that keeps what it got.</summary>
public sealed class LoggingTests : IDisposable
{
    private readonly CopyCompiler _compiler = new();

    private static string Source(string marker, string body = "") => $$"""
        namespace Game;
        public static class Logic
        {
            public static string Step(HotReload.Tests.Shared.Counter counter) { counter.Value += 1; {{body}} return "{{marker}}"; }
        }
        """;

    [Fact]
    public void Events_are_logged_structured_with_event_ids_that_are_the_HR_codes()
    {
        var library = _compiler.CompileStatic(Source("static"));
        _compiler.PublishCopy(1, Source("one"));
        using var reloadable = ReloadableLibrary.Open(library, _compiler.CopiesDirectory, new ReloadOptions { RollbackOnException = true });
        var step = reloadable.Bind(library.GetType("Game.Logic")!.GetMethod("Step")!.CreateDelegate<Func<Counter, string>>());
        var log = new KeptLog();
        using var subscription = reloadable.LogTo(log);

        _compiler.PublishCopy(2, Source("two"));
        HostLoop.WaitForSwap(reloadable, 2);
        var live = log.Single(2100);
        Assert.Equal(LogLevel.Information, live.Level);
        Assert.Equal("GenerationLive", live.Id.Name);
        Assert.Equal(2, live.Values["Generation"]);
        Assert.Equal(reloadable.Name, live.Values["Library"]);
        Assert.StartsWith($"{reloadable.Name} generation 2 live, built by dotnet build", live.Text);

        // A refused copy: a warning under its code.
        _compiler.PublishCopy(3, "namespace Game; public static class Logic { }");
        HostLoop.UpdateUntil(reloadable, () => log.Has(2002), "the refused copy to be logged");
        var refused = log.Single(2002);
        Assert.Equal(LogLevel.Warning, refused.Level);
        Assert.Equal("HR2002", refused.Id.Name);
        Assert.Equal(3, refused.Values["Generation"]);

        // A fault with rollback: an error with the exception, under HR2007.
        _compiler.PublishCopy(4, Source("four", "throw new System.InvalidOperationException(\"boom\");"));
        HostLoop.WaitForSwap(reloadable, 4);
        step.Invoke(new Counter());
        HostLoop.UpdateUntil(reloadable, () => log.Has(2007), "the fault to be logged");
        var fault = log.Single(2007);
        Assert.Equal(LogLevel.Error, fault.Level);
        Assert.IsType<InvalidOperationException>(fault.Exception);
        Assert.Equal(4, fault.Values["Generation"]);
        Assert.StartsWith("HR2007:", (string)fault.Values["Message"]!);

        // Released generations: a debug entry each.
        HostLoop.UpdateUntil(reloadable, () => log.Entries.Any(e => e.Id.Id == 2101 && Equals(e.Values["Generation"], 1)), "generation 1's unload to be logged");

        // Disposed: nothing more is logged.
        subscription.Dispose();
        var count = log.Entries.Count;
        _compiler.PublishCopy(5, Source("five"));
        HostLoop.WaitForSwap(reloadable, 5);
        Assert.Equal(count, log.Entries.Count);
    }

    [Fact]
    public void A_migration_is_logged_with_its_figures_and_what_could_not_be_carried_over_as_coded_warnings()
    {
        const string first = "namespace Game { public class Bullet { } public static class Logic { static object[] things = { new Bullet(), new Bullet() }; static int count = 3; public static string Step(HotReload.Tests.Shared.Counter c) => \"one\"; } }";
        const string second = "namespace Game { public static class Logic { static object[] things = new object[0]; static long count; public static string Step(HotReload.Tests.Shared.Counter c) => \"two\"; } }";
        var library = _compiler.CompileStatic(first);
        _compiler.PublishCopy(1, first);
        using var reloadable = ReloadableLibrary.Open(library, _compiler.CopiesDirectory);
        var log = new KeptLog();
        using var subscription = reloadable.LogTo(log);

        _compiler.PublishCopy(2, second);
        HostLoop.WaitForSwap(reloadable, 2);

        var migrated = log.Single(2102);
        Assert.Equal(LogLevel.Information, migrated.Level);
        Assert.Equal("StateMigrated", migrated.Id.Name);
        Assert.Equal(2, migrated.Values["Generation"]);
        Assert.Equal(1, migrated.Values["Patched"]); // the object[], a host type: updated in place, its Bullets left out
        Assert.Contains("Logic.count int → long", migrated.Text);
        var problem = log.Single(2013);
        Assert.Equal(LogLevel.Warning, problem.Level);
        Assert.StartsWith("HR2013: 2 Bullet left out", (string)problem.Values["Message"]!);
    }

    [Fact]
    public void A_stall_is_logged_as_how_it_was_searched_and_a_coded_warning_per_holder_with_its_root_and_path_in_scope()
    {
        const string subscribes = "namespace Game { public static class Logic { [HotReload.Runtime.OnGenerationLoaded] static void Attach() => HotReload.Tests.StallLogEvents.Tick += OnTick; static void OnTick() { } public static string Step(HotReload.Tests.Shared.Counter c) => \"one\"; } }";
        var library = _compiler.CompileStatic(Source("static"));
        _compiler.PublishCopy(1, subscribes);
        using var reloadable = ReloadableLibrary.Open(library, _compiler.CopiesDirectory,
            new ReloadOptions { UnloadStallTimeout = TimeSpan.FromMilliseconds(200), StallDiagnosis = StallDiagnosisMode.InProcess });
        var log = new KeptLog();
        using var subscription = reloadable.LogTo(log);
        try
        {
            _compiler.PublishCopy(2, Source("two"));
            HostLoop.WaitForSwap(reloadable, 2);
            HostLoop.UpdateUntil(reloadable, () => log.Has(2009), "the stall to be logged");

            var searched = log.Single(2103);
            Assert.Equal("StallSearched", searched.Id.Name);
            Assert.Equal("in-process", searched.Values["DiagnosisMethod"]);
            Assert.Contains("search from outside is off", searched.Text);
            var holder = log.Single(2009);
            Assert.Equal(LogLevel.Warning, holder.Level);
            Assert.Equal("HR2009", holder.Id.Name);
            Assert.Equal(1, holder.Values["Generation"]);
            Assert.StartsWith("HR2009: generation 1 is still in memory", (string)holder.Values["Message"]!);
            Assert.Equal("StaticEvent", holder.Scope["RootKind"]);
            Assert.Equal(["HotReload.Tests.StallLogEvents.Tick", "a delegate to Game.Logic.OnTick"], (IEnumerable<string>)holder.Scope["Path"]!);
        }
        finally
        {
            StallLogEvents.Clear();
        }
    }

    [Theory]
    [InlineData("HR2004: Loading x failed", 2004, "HR2004")]
    [InlineData("HR3001: Common changed", 3001, "HR3001")]
    [InlineData("compiling on save", null, null)]
    [InlineData("HR20: short", null, null)]
    public void A_message_s_code_is_its_event_id(string message, int? id, string? name)
    {
        var eventId = ReloadEventIds.OfMessage(message);
        Assert.Equal(id, eventId?.Id);
        Assert.Equal(name, eventId?.Name);
    }

    public void Dispose() => _compiler.Dispose();

    private sealed record Entry(LogLevel Level, EventId Id, string Text, Exception? Exception, IReadOnlyDictionary<string, object?> Values, IReadOnlyDictionary<string, object?> Scope);

    private sealed class ScopeEnd(Action end) : IDisposable
    {
        public void Dispose() => end();
    }

    private sealed class KeptLog : ILogger
    {
        private readonly List<Entry> _entries = [];

        public IReadOnlyList<Entry> Entries
        {
            get { lock (_entries) { return _entries.ToArray(); } }
        }

        public bool Has(int id) => Entries.Any(e => e.Id.Id == id);

        public Entry Single(int id) => Assert.Single(Entries, e => e.Id.Id == id);

        private readonly AsyncLocal<IReadOnlyDictionary<string, object?>?> _scope = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            var outer = _scope.Value;
            var values = (state as IEnumerable<KeyValuePair<string, object?>>)?.ToDictionary(p => p.Key, p => p.Value) ?? [];
            foreach (var (key, value) in outer ?? new Dictionary<string, object?>())
            {
                values.TryAdd(key, value);
            }

            _scope.Value = values;
            return new ScopeEnd(() => _scope.Value = outer);
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = (state as IEnumerable<KeyValuePair<string, object?>>)?.ToDictionary(p => p.Key, p => p.Value) ?? [];
            lock (_entries)
            {
                _entries.Add(new Entry(logLevel, eventId, formatter(state, exception), exception, values, _scope.Value ?? new Dictionary<string, object?>()));
            }
        }
    }
}

/// <summary>A static event of the host that only the logging test's generation subscribes to (tests run in parallel).</summary>
public static class StallLogEvents
{
    public static event Action? Tick;

    public static void Clear() => Tick = null;

    public static void Raise() => Tick?.Invoke();
}
