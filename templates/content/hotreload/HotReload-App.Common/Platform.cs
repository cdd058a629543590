namespace HotReload_App.Common;

/// <summary>Functions the host hands to the reloadable code, so that code needs no global state of its own.</summary>
public sealed class Platform(Action<string> print)
{
    public Action<string> Print { get; } = print;
}
