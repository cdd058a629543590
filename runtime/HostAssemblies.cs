using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;

namespace HotReload.Runtime;

/// <summary>What the host's default context can load: its trusted platform assemblies (the app and the framework) and whatever it loaded itself.</summary>
internal static class HostAssemblies
{
    private static readonly Lazy<Dictionary<string, string>> TrustedPlatformAssemblies = new(ReadTrustedPlatformAssemblies);
    private static readonly ConcurrentDictionary<string, Version?> Versions = new(StringComparer.OrdinalIgnoreCase);

    public static bool CanProvide(AssemblyName requested)
    {
        var name = requested.Name!;
        if (TrustedPlatformAssemblies.Value.TryGetValue(name, out var path))
        {
            var available = Versions.GetOrAdd(path, static p => TryGetVersion(p));
            return requested.Version is null || available is null || available >= requested.Version;
        }

        foreach (var loaded in AssemblyLoadContext.Default.Assemblies)
        {
            if (string.Equals(loaded.GetName().Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static Dictionary<string, string> ReadTrustedPlatformAssemblies()
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
        {
            foreach (var path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                result.TryAdd(Path.GetFileNameWithoutExtension(path), path);
            }
        }

        return result;
    }

    private static Version? TryGetVersion(string path)
    {
        try
        {
            return AssemblyName.GetAssemblyName(path).Version;
        }
        catch (Exception e) when (e is IOException or BadImageFormatException)
        {
            return null;
        }
    }
}
