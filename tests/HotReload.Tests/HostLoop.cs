using HotReload.Runtime;

namespace HotReload.Tests;

/// <summary>The host's side of a test: its frame loop, run until something happens.</summary>
internal static class HostLoop
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static void WaitForSwap(ReloadableLibrary library, int generation) =>
        UpdateUntil(library, () => library.Generation == generation, $"generation {generation} to go live");

    /// <summary>Runs the host's swap point, as a frame loop would, until <paramref name="done"/>.</summary>
    public static void UpdateUntil(ReloadableLibrary library, Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; generation {library.Generation} is live");
            library.Update();
            Thread.Sleep(5);
        }
    }

    /// <summary>Runs the swap point for <paramref name="duration"/>, for what must not happen.</summary>
    public static void UpdateFor(ReloadableLibrary library, TimeSpan duration)
    {
        var end = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < end)
        {
            library.Update();
            Thread.Sleep(5);
        }
    }
}
