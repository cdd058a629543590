namespace Game;

/// <summary>
/// The host's state, handed to every entry point. Its assembly is loaded in the default context, so the static
/// library, HotReload.Runtime's copies and McMaster's plugin all use this very type.
/// </summary>
public sealed class Counter
{
    public long Value;
}
