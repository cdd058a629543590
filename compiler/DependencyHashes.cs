using System.Collections.Concurrent;

namespace HotReload.Compiler;

/// <summary>
/// The SHA-256 of each runtime dependency, for the list beside every copy (<see cref="CopyLayout.DependencyListFileName"/>).
/// The compiler publishes on every save, and the dependencies are mostly package files that never change: a hash is
/// computed again only when the file's length or last write time differ from the last time.
/// </summary>
internal sealed class DependencyHashes
{
    private readonly ConcurrentDictionary<string, (long Length, DateTime LastWrite, string Sha256)> _known = new(StringComparer.Ordinal);

    public string? Of(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return null;
        }

        var (length, lastWrite) = (file.Length, file.LastWriteTimeUtc);
        if (_known.TryGetValue(path, out var known) && known.Length == length && known.LastWrite == lastWrite)
        {
            return known.Sha256;
        }

        var sha256 = CopyLayout.Sha256Of(path);
        if (sha256 is not null)
        {
            _known[path] = (length, lastWrite, sha256);
        }

        return sha256;
    }
}
