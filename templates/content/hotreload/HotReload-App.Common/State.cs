namespace HotReload_App.Common;

/// <summary>The program's state. The host owns it, so it survives every reload of the library.</summary>
public sealed class State
{
    public long Counter { get; set; }
}
