using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace HotReload.Runtime;

/// <summary>
/// Marks a static, parameterless method of the reloadable library that the runtime calls on the host's thread when a
/// generation has loaded, before the first call into it: the place to subscribe to the host's events or start a timer.
/// A hook that throws refuses the copy (<c>HR2008</c>); the running generation stays.
/// Called in live mode only: in static mode nothing is loaded or released.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnGenerationLoadedAttribute : Attribute;

/// <summary>
/// Marks a static, parameterless method of the reloadable library that the runtime calls on the host's thread before
/// a generation is released (replaced by a newer one, rolled back, or the library disposed): the place to detach
/// handlers from the host's events and stop timers and threads, so the generation can unload. A hook that throws is
/// reported (<c>HR2008</c>) and the release goes on. Called in live mode only.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnGenerationReleasingAttribute : Attribute;

/// <summary>The lifecycle hooks one generation declares, found once when it loads (off the host's thread).</summary>
internal sealed class GenerationHooks
{
    public static readonly GenerationHooks None = new([], []);

    private readonly Hook[] _loaded;
    private readonly Hook[] _releasing;

    private GenerationHooks(Hook[] loaded, Hook[] releasing)
    {
        _loaded = loaded;
        _releasing = releasing;
    }

    /// <summary>Finds the hooks; throws <see cref="HotReloadException"/> (<c>HR2008</c>) for a hook with the wrong shape.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static GenerationHooks Find(Assembly generation)
    {
        // A copy that names no type of this assembly has no hooks: its compiler drops references it does not use.
        var runtime = typeof(GenerationHooks).Assembly.GetName().Name;
        if (!generation.GetReferencedAssemblies().Any(r => string.Equals(r.Name, runtime, StringComparison.OrdinalIgnoreCase)))
        {
            return None;
        }

        List<Hook>? loaded = null, releasing = null;
        Type[] types;
        try
        {
            types = generation.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types.Where(t => t is not null).ToArray()!; // the load itself reports what is missing
        }

        foreach (var type in types)
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                var isLoaded = method.IsDefined(typeof(OnGenerationLoadedAttribute), inherit: false);
                var isReleasing = method.IsDefined(typeof(OnGenerationReleasingAttribute), inherit: false);
                if (!isLoaded && !isReleasing)
                {
                    continue;
                }

                var name = type.FullName + "." + method.Name;
                if (!method.IsStatic || method.GetParameters().Length != 0 || method.ReturnType != typeof(void) || method.ContainsGenericParameters)
                {
                    throw new HotReloadException(
                        $"HR2008: the lifecycle hook {name} must be a static void method with no parameters (in {generation.GetName().Name}). Fix its signature and save again; the running generation stays.");
                }

                var hook = new Hook(name, method.CreateDelegate<Action>());
                if (isLoaded)
                {
                    (loaded ??= []).Add(hook);
                }

                if (isReleasing)
                {
                    (releasing ??= []).Add(hook);
                }
            }
        }

        return loaded is null && releasing is null ? None : new GenerationHooks(loaded?.ToArray() ?? [], releasing?.ToArray() ?? []);
    }

    /// <summary>Runs the <see cref="OnGenerationLoadedAttribute"/> hooks; the first failure stops them.</summary>
    public HookFailure? RunLoaded()
    {
        foreach (var hook in _loaded)
        {
            if (Run(hook) is { } failure)
            {
                return failure;
            }
        }

        return null;
    }

    /// <summary>Runs every <see cref="OnGenerationReleasingAttribute"/> hook, even after one fails (each stops what it
    /// started); returns the first failure.</summary>
    public HookFailure? RunReleasing()
    {
        HookFailure? first = null;
        foreach (var hook in _releasing)
        {
            var failure = Run(hook);
            first ??= failure;
        }

        return first;
    }

    private static HookFailure? Run(Hook hook)
    {
        try
        {
            hook.Method();
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new HookFailure(hook.Name, e);
        }
    }

    private sealed record Hook(string Name, Action Method);
}

/// <summary>A lifecycle hook that threw.</summary>
internal sealed record HookFailure(string Hook, Exception Exception);
