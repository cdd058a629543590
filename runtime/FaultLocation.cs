using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace HotReload.Runtime;

/// <summary>Where an exception left a generation's own code, from the copy's symbols (its .pdb beside the .dll).</summary>
internal static class FaultLocation
{
    /// <summary><c>path(line,column)</c> of the innermost frame in <paramref name="generation"/> that has a source line; null when none has.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only live mode rolls back; a trimmed host never reaches it.")]
    public static string? Find(Exception exception, Assembly generation)
    {
        try
        {
            foreach (var frame in new StackTrace(exception, fNeedFileInfo: true).GetFrames())
            {
                if (frame.GetMethod()?.Module.Assembly == generation && frame.GetFileName() is { Length: > 0 } file && frame.GetFileLineNumber() > 0)
                {
                    return $"{file}({frame.GetFileLineNumber()},{Math.Max(1, frame.GetFileColumnNumber())})";
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Unreadable symbols: the message says what threw, without a place.
        }

        return null;
    }
}
