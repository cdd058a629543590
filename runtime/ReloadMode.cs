namespace HotReload.Runtime;

/// <summary>How a <see cref="ReloadableLibrary"/> runs the library's code.</summary>
public enum ReloadMode
{
    /// <summary>The statically linked library runs; nothing is loaded, watched or unloaded (Release, <c>LiveReload=false</c>).</summary>
    Static,

    /// <summary>Numbered copies are loaded into collectible contexts and swapped at <see cref="ReloadableLibrary.Update"/>.</summary>
    Live,
}
