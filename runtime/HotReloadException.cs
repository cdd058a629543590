namespace HotReload.Runtime;

/// <summary>A misuse or a failed load, with an <c>HR2xxx</c> code at the start of the message.</summary>
public sealed class HotReloadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HotReloadException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>
    /// <paramref name="e"/> itself or the first of its inner exceptions that is one: a refusal thrown while an assembly
    /// loads reaches the caller inside the runtime's <see cref="FileLoadException"/>.
    /// </summary>
    internal static HotReloadException? Within(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is HotReloadException refusal)
            {
                return refusal;
            }
        }

        return null;
    }
}
