using Common;
using HotReload.Runtime;
using StateManipulation;

// Usage: Host [--frames N]   (runs until Ctrl+C without --frames)
int? frames = args.Length == 2 && args[0] == "--frames" ? int.Parse(args[1]) : null;

var platform = new Platform(Console.WriteLine);
using var library = ReloadableLibrary.Open(typeof(Logic).Assembly);
library.GenerationChanged += (_, e) =>
    Console.WriteLine($"[hotreload] generation {e.Generation} is live (was {e.PreviousGeneration}; loaded in {e.LoadTime.TotalMilliseconds:F1} ms beside the loop, switched in {e.SwapTime.TotalMilliseconds:F3} ms)");
library.GenerationUnloaded += (_, e) =>
    Console.WriteLine($"[hotreload] generation {e.Generation} unloaded ({e.AfterRelease.TotalMilliseconds:F0} ms after release)");
library.UnloadStalled += (_, e) =>
    Console.WriteLine($"[hotreload] generation {e.Generation} is still in memory after {e.AfterRelease.TotalSeconds:F0} s: something still references its code");
library.ReloadFailed += (_, e) => Console.WriteLine($"[hotreload] {e.Message}");

var newState = library.Bind<State>(Logic.NewState);
var updateAndRender = library.Bind<Platform, State>(Logic.UpdateAndRender);
Console.WriteLine($"[hotreload] {library.Description}; generation {library.Generation} running");

var running = true;
Console.CancelKeyPress += (_, e) => { e.Cancel = true; running = false; };

var state = newState.Invoke();
for (var frame = 0; running && (frames is null || frame < frames); frame++)
{
    library.Update(); // the swap point: a new copy goes live here, between frames
    updateAndRender.Invoke(platform, state);
    Thread.Sleep(50);
}
