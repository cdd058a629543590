using System.Diagnostics;

namespace HotReload;

/// <summary>
/// Whether a process runs, by its id: one definition, compiled into the runtime (which looks at the hosts behind
/// patchless markers) and the compiler (which watches its parent host).
/// </summary>
internal static class ProcessIds
{
    /// <summary>True while a process with id <paramref name="pid"/> runs; false when there is none or it cannot tell.</summary>
    public static bool Runs(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false; // no such process, or it ended while being looked at
        }
    }
}
