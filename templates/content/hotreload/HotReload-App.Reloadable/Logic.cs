using HotReload_App.Common;

namespace HotReload_App.Reloadable;

/// <summary>The code that is reloaded while the host runs. Edit it, save, and watch the host.</summary>
public static class Logic
{
    // State the library keeps itself: it carries over to every new generation, even when its shape changes (add a
    // field to Stats, retype one, rename it with [RenamedFrom]).
    private static readonly Stats stats = new();

    public static State NewState() => new();

    public static void UpdateAndRender(Platform platform, State state)
    {
        platform.Print(state.Counter.ToString());
        state.Counter += 1;
        stats.Frames++;
    }
}

/// <summary>An object of the library: its fields are carried over by name at every save.</summary>
internal sealed class Stats
{
    public long Frames;
}
