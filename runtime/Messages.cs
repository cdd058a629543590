namespace HotReload.Runtime;

/// <summary>Pieces of the runtime's coded one-line messages.</summary>
internal static class Messages
{
    /// <summary>An exception's message as a sentence of a coded one-line message: one final period, one line.</summary>
    public static string Sentence(string message)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        return line.EndsWith('.') ? line : line + ".";
    }
}
