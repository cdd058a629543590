using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Metadata;
using System.Runtime.CompilerServices;

namespace HotReload.Runtime;

/// <summary>
/// Tells the process's <see cref="MetadataUpdateHandlerAttribute"/> handlers that code changed, as <c>dotnet watch</c>'s
/// agent does: every <c>ClearCache(Type[]?)</c>, then every <c>UpdateApplication(Type[]?)</c>. CoreLib's own handler
/// clears the reflection caches of the changed types; a UI framework's re-renders. Each assembly's handlers are found
/// once.
/// </summary>
internal sealed class MetadataUpdateHandlers
{
    private readonly ConditionalWeakTable<Assembly, Handler[]> _found = new();

    private sealed record Handler(MethodInfo? ClearCache, MethodInfo? UpdateApplication);

    /// <summary>
    /// Finds the handlers of the assemblies loaded now, off the host's thread, so the first patch does not pay for reading
    /// every assembly's attributes (an assembly loaded later is read at its first patch).
    /// </summary>
    public void FindAhead() => ThreadPool.UnsafeQueueUserWorkItem(_ => LoadedHandlers(), null);

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public void Notify(Type[] updatedTypes)
    {
        var handlers = LoadedHandlers();
        var argument = updatedTypes.Length == 0 ? null : updatedTypes;
        foreach (var method in handlers.Select(h => h.ClearCache).Concat(handlers.Select(h => h.UpdateApplication)))
        {
            try
            {
                method?.Invoke(null, [argument]);
            }
            catch (TargetInvocationException)
            {
                // a handler's own failure is its own: the patch is applied, the others still run
            }
        }
    }

    // The handlers of every assembly loaded now, each assembly's found once.
    private List<Handler> LoadedHandlers() => AppDomain.CurrentDomain.GetAssemblies().SelectMany(a => _found.GetValue(a, Find)).ToList();

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only live mode patches; a trimmed host has HotReload.IsSupported off.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Only live mode patches; a trimmed host has HotReload.IsSupported off.")]
    private static Handler[] Find(Assembly assembly)
    {
        try
        {
            return assembly.GetCustomAttributes<MetadataUpdateHandlerAttribute>()
                .Select(a => new Handler(Method(a.HandlerType, "ClearCache"), Method(a.HandlerType, "UpdateApplication")))
                .ToArray();
        }
        catch (Exception e) when (e is TypeLoadException or FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return [];
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Only live mode patches; a trimmed host has HotReload.IsSupported off.")]
    private static MethodInfo? Method(Type type, string name) =>
        type.GetMethod(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(Type[])]);
}
