namespace HotReload_Lib;

/// <summary>
/// Code that is reloaded while the host runs: edit it, save, and the host runs the new code from its next
/// <c>Update()</c>. The host binds each entry point once (a static method, as a method group); everything behind the
/// entry points can change. Keep the program's state in a library the host references, not in static fields here:
/// they start fresh in every generation.
/// </summary>
public static class Logic
{
    /// <summary>An entry point: <c>var describe = library.Bind&lt;long, string&gt;(Logic.Describe);</c> in the host.</summary>
    public static string Describe(long frame) => $"frame {frame}";
}
