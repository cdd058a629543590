namespace HotReload.Runtime;

/// <summary>A misuse or a failed load, with an <c>HR2xxx</c> code at the start of the message.</summary>
public sealed class HotReloadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HotReloadException(string message, Exception? inner = null) : base(message, inner) { }
}
