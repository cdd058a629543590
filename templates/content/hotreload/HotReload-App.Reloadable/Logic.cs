using HotReload_App.Common;

namespace HotReload_App.Reloadable;

/// <summary>The code that is reloaded while the host runs. Edit it, save, and watch the host.</summary>
public static class Logic
{
    public static State NewState() => new();

    public static void UpdateAndRender(Platform platform, State state)
    {
        platform.Print(state.Counter.ToString());
        state.Counter += 1;
    }
}
