namespace HotReload.Benchmarks;

/// <summary>
/// A throw-away folder beside the benchmark's binaries (so nothing is written outside bench/), removed at the end.
/// </summary>
internal sealed class Scratch : IDisposable
{
    public Scratch(string name)
    {
        Path = System.IO.Path.Combine(AppContext.BaseDirectory, "scratch", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover folder under bin/ does no harm.
        }
    }
}
