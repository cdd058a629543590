using System.Globalization;

namespace HotReload;

/// <summary>
/// The hosts of a library that cannot apply patches right now, so that the compiler makes full copies while one runs:
/// each holds a file <c>&lt;pid&gt;.&lt;reason&gt;</c> in <see cref="CompileManifest.PatchlessHostsFolder"/> open and locked
/// for as long as it cannot (the operating system drops the lock with the process however it ends). One definition,
/// compiled into the runtime (which holds markers) and the compiler (which looks for them).
/// </summary>
internal static class PatchlessHosts
{
    /// <summary>
    /// Why a host cannot apply patches: the word in its marker's name, and the sentence the compiler says. A host that
    /// holds <c>refused</c> or <c>faulted</c> runs its copy with fewer patches than the compiler made: only a full copy
    /// brings it up to date, and a <c>refused</c> one asks for it at once (<see cref="WantsFullCopyNow"/>).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Reasons = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["no-variable"] = "DOTNET_MODIFIABLE_ASSEMBLIES=debug was not set when it started",
        ["debugger"] = "a debugger is attached",
        ["refused"] = "the runtime refused a patch",
        ["faulted"] = "a patch's code threw and the host rolled back to the code before it",
    };

    /// <summary>True for a marker whose host needs a full copy now, not at the next save: the runtime refused a patch, and the
    /// code on disk is good. (After a fault the code on disk is what threw: the next save fixes it.)</summary>
    public static bool WantsFullCopyNow(string markerPath) => markerPath.EndsWith(".refused", StringComparison.Ordinal);

    /// <summary>Takes a marker for this process; dispose it when the host can apply patches again (or exits).</summary>
    /// <exception cref="IOException">The folder cannot be written.</exception>
    public static FileStream Hold(string folder, string reason)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "." + reason);
        return new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
    }

    /// <summary>
    /// The first host still running that cannot apply patches, as <c>(pid, reason sentence)</c>; null when there is
    /// none. A marker nobody holds any more (its host was killed before it could delete it) is deleted.
    /// </summary>
    public static (string Host, string Reason)? FindOne(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return null;
        }

        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(path);
            var dot = name.IndexOf('.');
            if (dot <= 0 || !Reasons.TryGetValue(name[(dot + 1)..], out var reason))
            {
                continue;
            }

            var host = name[..dot];
            if (IsBeingTaken(path, host))
            {
                return (host, reason);
            }

            try
            {
                // Held by its host: opening it fails. Not held: its host is gone.
                using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                }

                File.Delete(path);
            }
            catch (FileNotFoundException)
            {
            }
            catch (IOException)
            {
                return (host, reason);
            }
            catch (UnauthorizedAccessException)
            {
                return (host, reason);
            }
        }

        return null;
    }

    // How long a new marker is taken as held without opening it. A host creates its marker and locks it in two steps
    // (on Linux and macOS the lock is a flock taken after the open): opening it between them would find it unlocked, so
    // delete the marker of a host that runs, and take the lock the host was about to take. The compiler looks within
    // milliseconds of the file's creation, so a marker is left alone while it is this young and its process runs. (A
    // host killed within this time of taking its marker is gone: the next save must not wait for it.)
    private static readonly TimeSpan BeingTaken = TimeSpan.FromSeconds(2);

    /// <summary>
    /// True for a marker written so recently that its host, still running, may be between creating and locking it.
    /// </summary>
    private static bool IsBeingTaken(string path, string pid)
    {
        var written = File.GetLastWriteTimeUtc(path); // 1601 when the file is gone
        return written.Year > 1601 && (DateTime.UtcNow - written).Duration() < BeingTaken
            && int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && ProcessIds.Runs(id);
    }
}
