using System.Reflection;

namespace HotReload.ProcessBench;

/// <summary>Paths in the repository this driver was built from.</summary>
internal static class Repository
{
    public static string Root { get; } = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public static string Results => Path.Combine(Root, "bench", "results");
}
