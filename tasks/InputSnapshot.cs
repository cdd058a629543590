using System.Security.Cryptography;

namespace HotReload.Sdk.Tasks;

/// <summary>
/// The content of a compile's input files at one moment: for each file its length and SHA-256, or that it could not be
/// read. The copy started before CoreCompile takes one just before its compiler starts; that compiler reads the files
/// after it, so a file written in between, or later, no longer matches. After CoreCompile the copy is kept only if
/// every input still has the content recorded: a proof by content, which neither a coarse file system clock nor a
/// skewed one can fool, and which a file rewritten with the same content (touched, or regenerated the same) keeps.
/// </summary>
/// <remarks>
/// What it cannot see: a file changed and changed back while the early compile ran (A, B, A) matches A, although that
/// compiler may have read B. Keeping the copy then is no worse than CoreCompile itself, which reads the files once too.
/// </remarks>
internal sealed class InputSnapshot
{
    private static readonly StringComparer PathComparer = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    // Null: the file did not exist or could not be read when the snapshot was taken.
    private readonly Dictionary<string, Fingerprint?> _files;

    private InputSnapshot(Dictionary<string, Fingerprint?> files) => _files = files;

    public int Count => _files.Count;

    /// <summary>Reads every file now; call it before the compile that reads them starts.</summary>
    public static InputSnapshot Take(IEnumerable<string> paths)
    {
        var distinct = paths.Select(Path.GetFullPath).Distinct(PathComparer).ToArray();
        var fingerprints = new Fingerprint?[distinct.Length];
        // Reference assemblies and analyzers are most of the bytes (megabytes): hashed on every core there is.
        Parallel.For(0, distinct.Length, i => fingerprints[i] = Fingerprint.Of(distinct[i]));
        var files = new Dictionary<string, Fingerprint?>(PathComparer);
        for (var i = 0; i < distinct.Length; i++)
        {
            files[distinct[i]] = fingerprints[i];
        }

        return new InputSnapshot(files);
    }

    /// <summary>
    /// Null when <paramref name="paths"/> are exactly the files of the snapshot, each with the content it had then;
    /// otherwise why not, naming the first file found. A file that is missing, now or then, is a change.
    /// </summary>
    public string? WhyStale(IEnumerable<string> paths)
    {
        var current = paths.Select(Path.GetFullPath).Distinct(PathComparer).ToArray();
        var changes = new string?[current.Length];
        Parallel.For(0, current.Length, i => changes[i] = WhyChanged(current[i]));
        for (var i = 0; i < current.Length; i++)
        {
            if (changes[i] is { } change)
            {
                return current[i] + " " + change;
            }
        }

        var seen = current.ToHashSet(PathComparer);
        return _files.Keys.FirstOrDefault(p => !seen.Contains(p)) is { } dropped ? dropped + " is no longer an input" : null;
    }

    private string? WhyChanged(string path) =>
        !_files.TryGetValue(path, out var then) ? "was not an input when it started"
        : then is null ? "did not exist or could not be read when it started"
        : Fingerprint.Compare(path, then.Value);

    private readonly record struct Fingerprint(long Length, string Sha256)
    {
        public static Fingerprint? Of(string path)
        {
            try
            {
                using var file = Open(path);
                return new Fingerprint(file.Length, Convert.ToHexString(SHA256.HashData(file)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>Null when the file still has <paramref name="then"/>'s content; otherwise how it changed.</summary>
        public static string? Compare(string path, Fingerprint then)
        {
            try
            {
                using var file = Open(path);
                // A different length proves a change without reading a byte; the same length proves nothing.
                if (file.Length != then.Length)
                {
                    return "changed since it started (its length)";
                }

                return Convert.ToHexString(SHA256.HashData(file)) == then.Sha256 ? null : "changed since it started (its content)";
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return "no longer exists";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return "could not be read: " + e.Message;
            }
        }

        // Shared with writers: an editor saving right now is never blocked; what it writes shows up as a change.
        private static FileStream Open(string path) =>
            new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
    }
}
