using Common;
using HotReload.Runtime;
using StateManipulation;

// Usage: Host [--frames N]   (runs until Ctrl+C without --frames)
int? frames = args.Length == 2 && args[0] == "--frames" ? int.Parse(args[1]) : null;

var platform = new Platform(Console.WriteLine);
// RollbackOnException: an exception in new code goes back to the last generation that ran cleanly, instead of ending the loop.
using var library = ReloadableLibrary.Open(typeof(Logic).Assembly, new ReloadOptions { RollbackOnException = true });
library.GenerationChanged += (_, e) =>
{
    // The state moved too: how long it took, how many objects, and what changed shape (a field added, retyped, ...).
    var migrated = e.Migration is { } migration ? $", {migration}" : "";
    Console.WriteLine(e.SinceSave is { } sinceSave
        ? $"[hotreload] generation {e.Generation} live · {Ms(sinceSave)} ms (debounce {Ms(e.DebounceTime)}, compile {Ms(e.CompileTime)}, load {Ms(e.LoadTime)}, wait {Ms(e.WaitTime)}{migrated})"
        : $"[hotreload] generation {e.Generation} live · built by dotnet build (load {Ms(e.LoadTime)}, wait {Ms(e.WaitTime)}{migrated})");
    foreach (var problem in e.Migration?.Problems ?? [])
    {
        Console.WriteLine($"[hotreload] {problem}"); // HR2013-HR2015: what could not be carried over
    }
};
// A save that only changed method bodies (or added methods or types) is patched into the live generation: nothing moves.
library.GenerationPatched += (_, e) => Console.WriteLine(e.SinceSave is { } sinceSave
    ? $"[hotreload] generation {e.Generation} patched ({e.Patch}) · {Ms(sinceSave)} ms (debounce {Ms(e.DebounceTime)}, compile {Ms(e.CompileTime)}, apply {Ms(e.ApplyTime)}, wait {Ms(e.WaitTime)}): {e.Edits}"
    : $"[hotreload] generation {e.Generation} patched ({e.Patch}) · apply {Ms(e.ApplyTime)} ms: {e.Edits}");
library.GenerationUnloaded += (_, e) => Console.WriteLine(e.WentLive
    ? $"[hotreload] generation {e.Generation} unloaded ({Ms(e.AfterRelease)} ms after release{(e.WasStalled ? ", late" : "")})"
    : $"[hotreload] copy {e.Generation}, which never went live, unloaded ({Ms(e.AfterRelease)} ms after release)");
library.UnloadStalled += (_, e) =>
{
    // What holds the old code, one line each, in the canonical format where its source is known (path(line,col): warning HR2009: ...).
    foreach (var line in e.Lines)
    {
        Console.WriteLine(line.StartsWith("HR", StringComparison.Ordinal) ? $"[hotreload] {line}" : line);
    }

    Console.WriteLine($"[hotreload] holders of generation {e.Generation} searched in {Ms(e.DiagnosisTime)} ms ({e.DiagnosisMethod}; host paused {Ms(e.HostPause)} ms)");
};
// With a source location, in the MSBuild canonical format (path(line,col): error HR2007: ...), which editors link.
library.GenerationFaulted += (_, e) => Console.WriteLine(e.Location is { } at ? $"{at}: error {e.Message}" : $"[hotreload] {e.Message}");
library.ReloadFailed += (_, e) => Console.WriteLine($"[hotreload] {e.Message}");
library.CompileFailed += (_, e) =>
{
    // In the compiler's own format, so terminals and editors link each line to its file and position; red on a terminal.
    if (!Console.IsOutputRedirected)
    {
        Console.ForegroundColor = ConsoleColor.Red;
    }

    foreach (var diagnostic in e.Diagnostics)
    {
        Console.WriteLine(diagnostic);
    }

    Console.ResetColor();
    Console.WriteLine($"[hotreload] the save did not compile; generation {library.Generation} keeps running");
};
library.CompilerMessage += (_, e) => Console.WriteLine($"[hotreload] {e.Message}");

var newState = library.Bind<State>(Logic.NewState);
var updateAndRender = library.Bind<Platform, State>(Logic.UpdateAndRender);
Console.WriteLine($"[hotreload] {library.Description}; generation {library.Generation} running");

var running = true;
Console.CancelKeyPress += (_, e) => { e.Cancel = true; running = false; };

// Track: objects of the library that the host's state holds are carried over at every swap too.
var state = library.Track(newState.Invoke());
for (var frame = 0; running && (frames is null || frame < frames); frame++)
{
    library.Update(); // the swap point: a new copy goes live here, between frames
    updateAndRender.Invoke(platform, state);
    Thread.Sleep(50);
}

static string Ms(TimeSpan? time) => time is { } t ? t.TotalMilliseconds.ToString("F0") : "?";
