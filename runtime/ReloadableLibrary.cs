using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace HotReload.Runtime;

/// <summary>
/// One reloadable library as the host sees it. The host's code is the same in live and static mode:
/// <code>
/// using var library = ReloadableLibrary.Open(typeof(Logic).Assembly);
/// var update = library.Bind&lt;Platform, State&gt;(Logic.UpdateAndRender);
/// while (running) { library.Update(); update.Invoke(platform, state); }
/// </code>
/// In live mode (the library was built with <c>LiveReload=true</c>) the newest numbered copy runs in a collectible
/// context; <see cref="Update"/> swaps to a newer copy when one appears and releases the old one. In static mode
/// (<c>LiveReload=false</c>) the statically linked library runs and nothing is loaded, watched or started.
/// Call the Bind methods and <see cref="Update"/> from the host's own thread.
/// </summary>
public sealed class ReloadableLibrary : IDisposable
{
    /// <summary>The runtimeconfig.json option, followed by the assembly name, that holds the folder of copies.</summary>
    public const string ConfigurationPrefix = "HotReload.Reloadable.";

    /// <summary>The runtimeconfig.json option, followed by the assembly name, that holds the warm compiler's manifest.</summary>
    public const string CompilerConfigurationPrefix = "HotReload.Compiler.";

    /// <summary>The feature switch behind <see cref="IsSupported"/>.</summary>
    public const string FeatureSwitch = "HotReload.IsSupported";

    internal const string LiveModeNeedsReflection =
        "Live mode loads copies of the library and finds their entry points by name. A trimmed or native AOT host turns it off with HotReload.IsSupported=false, which HotReload.Runtime's build targets set in Release and on publish.";

    /// <summary>
    /// False where reloading is compiled out: a host built in Release or published (HotReload.Runtime's build targets
    /// set the <c>HotReload.IsSupported</c> feature switch to false there). The trimmer then removes every path that
    /// loads, watches or compiles, and <see cref="Open(Assembly, ReloadOptions?)"/> returns a static library whose
    /// bindings call their method directly, with no reflection. True otherwise.
    /// </summary>
    [FeatureSwitchDefinition(FeatureSwitch)]
    [FeatureGuard(typeof(RequiresUnreferencedCodeAttribute))]
    [FeatureGuard(typeof(RequiresDynamicCodeAttribute))]
    public static bool IsSupported { get; } = !AppContext.TryGetSwitch(FeatureSwitch, out var supported) || supported;

    private readonly Assembly _staticAssembly;
    private readonly BindingSet _bindings = new();
    private readonly TrackedRoots _roots = new();
    private readonly LiveSession? _live; // null in static mode, so a trimmed host keeps none of it
    private int _attention;

    private ReloadableLibrary(Assembly staticAssembly, string? copiesDirectory, string? staticReason, ReloadOptions options, string? compileManifest = null)
    {
        _staticAssembly = staticAssembly;
        Name = staticAssembly.GetName().Name!;
        if (copiesDirectory is null || !IsSupported)
        {
            Mode = ReloadMode.Static;
            Description = $"{Name}: static mode ({staticReason})";
            return;
        }

        Mode = ReloadMode.Live;
        _live = new LiveSession(Name, copiesDirectory, compileManifest, options, _bindings, _roots, Signal);
        Description = $"{Name}: live mode, copies in {copiesDirectory}" + (_live.CompilesOnSave ? "; compiling on save" : "");
    }

    /// <summary>A newer generation is live. Raised inside <see cref="Update"/>, on the host's thread.</summary>
    public event EventHandler<GenerationChangedEventArgs>? GenerationChanged;

    /// <summary>
    /// Patches of a save were applied to the live generation in place (a changed method body, an added method or type):
    /// its state is untouched. Raised inside <see cref="Update"/>, on the host's thread.
    /// </summary>
    public event EventHandler<GenerationPatchedEventArgs>? GenerationPatched;

    /// <summary>A newer copy could not be loaded or bound; the previous generation keeps running. Raised inside <see cref="Update"/>.</summary>
    public event EventHandler<ReloadFailedEventArgs>? ReloadFailed;

    /// <summary>
    /// Code of a generation threw where the runtime called it: a bound call, with <see cref="ReloadOptions.RollbackOnException"/>
    /// on (<c>HR2007</c>, the runtime rolled back), or a lifecycle hook (<c>HR2008</c>). Raised inside <see cref="Update"/>.
    /// </summary>
    public event EventHandler<GenerationFaultedEventArgs>? GenerationFaulted;

    /// <summary>A released generation was garbage-collected: its code has left the process. Raised inside <see cref="Update"/>.</summary>
    public event EventHandler<GenerationUnloadedEventArgs>? GenerationUnloaded;

    /// <summary>A released generation is still in memory after <see cref="ReloadOptions.UnloadStallTimeout"/>. Raised inside <see cref="Update"/>.</summary>
    public event EventHandler<UnloadStalledEventArgs>? UnloadStalled;

    /// <summary>A save did not compile; the compiler's errors are attached and the running generation stays. Raised inside <see cref="Update"/>.</summary>
    public event EventHandler<CompileFailedEventArgs>? CompileFailed;

    /// <summary>A message from the warm compiler (ready, a build for a project file change, a problem). Raised inside <see cref="Update"/>.</summary>
    public event EventHandler<CompilerMessageEventArgs>? CompilerMessage;

    /// <summary>The process id of the warm compiler that compiles this library on save, or null when none runs.</summary>
    public int? CompilerProcessId => IsSupported ? _live?.CompilerProcessId : null; // IsSupported first: a trimmed host keeps no live session

    /// <summary>The library's assembly name.</summary>
    public string Name { get; }

    /// <summary>Live or static, fixed when the library is opened.</summary>
    public ReloadMode Mode { get; }

    /// <summary>The generation whose code runs: N for <c>bin/reloaded/N/</c>, 0 for the statically linked library.</summary>
    public int Generation => IsSupported ? _live?.Current?.Number ?? 0 : 0;

    /// <summary>One line saying which mode is on and why, for the host to print.</summary>
    public string Description { get; }

    /// <summary>Released generations whose code is still in memory (they disappear once collected).</summary>
    public int PendingUnloads => IsSupported ? _live?.PendingUnloads ?? 0 : 0;

    /// <summary>
    /// Opens the library that <paramref name="library"/> (the statically referenced assembly, for example
    /// <c>typeof(Logic).Assembly</c>) was built from. Live when the host's runtimeconfig.json names its folder of
    /// copies, which HotReload.Sdk arranges for a library built with <c>LiveReload=true</c>; static otherwise.
    /// </summary>
    public static ReloadableLibrary Open(Assembly library, ReloadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(library);
        var name = library.GetName().Name!;
        var directory = IsSupported ? AppContext.GetData(ConfigurationPrefix + name) as string : null;
        if (directory is null)
        {
            return new ReloadableLibrary(library, null, "built with LiveReload=false", options ?? new ReloadOptions());
        }

        var manifest = AppContext.GetData(CompilerConfigurationPrefix + name) as string;
        return Open(library, directory, manifest, options);
    }

    /// <summary>Opens the library in live mode on an explicit folder of copies (tests, custom layouts).</summary>
    public static ReloadableLibrary Open(Assembly library, string copiesDirectory, ReloadOptions? options = null) =>
        Open(library, copiesDirectory, null, options);

    private static ReloadableLibrary Open(Assembly library, string copiesDirectory, string? compileManifest, ReloadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentException.ThrowIfNullOrEmpty(copiesDirectory);
        if (!Directory.Exists(copiesDirectory))
        {
            return new ReloadableLibrary(library, null,
                $"HR2001: the folder of copies '{copiesDirectory}' does not exist; build the library with LiveReload=true to create it",
                options ?? new ReloadOptions());
        }

        return new ReloadableLibrary(library, copiesDirectory, null, options ?? new ReloadOptions(), compileManifest);
    }

    /// <summary>
    /// Binds an entry point, given as a method group of the statically referenced library (for example
    /// <c>library.Bind&lt;Platform, State&gt;(Logic.UpdateAndRender)</c>). The binding follows every swap; call it
    /// with its <c>Invoke</c> method. In static mode it calls that very method.
    /// </summary>
    public LiveFunction<T> BindDelegate<T>(T function) where T : Delegate =>
        Register(function, static (id, d) => new LiveFunction<T>(id, d));

    /// <inheritdoc cref="BindDelegate{T}(T)"/>
    public LiveAction Bind(Action function) => Register(function, static (id, d) => new LiveAction(id, d));

    /// <inheritdoc cref="BindDelegate{T}(T)"/>
    public LiveAction<T1> Bind<T1>(Action<T1> function) => Register(function, static (id, d) => new LiveAction<T1>(id, d));

    /// <inheritdoc cref="BindDelegate{T}(T)"/>
    public LiveAction<T1, T2> Bind<T1, T2>(Action<T1, T2> function) => Register(function, static (id, d) => new LiveAction<T1, T2>(id, d));

    /// <inheritdoc cref="BindDelegate{T}(T)"/>
    public LiveAction<T1, T2, T3> Bind<T1, T2, T3>(Action<T1, T2, T3> function) => Register(function, static (id, d) => new LiveAction<T1, T2, T3>(id, d));

    /// <inheritdoc cref="BindDelegate{T}(T)"/>
    public LiveAction<T1, T2, T3, T4> Bind<T1, T2, T3, T4>(Action<T1, T2, T3, T4> function) => Register(function, static (id, d) => new LiveAction<T1, T2, T3, T4>(id, d));

    /// <inheritdoc cref="BindDelegate{T}(T)"/>
    public LiveFunc<TResult> Bind<TResult>(Func<TResult> function) => Register(function, static (id, d) => new LiveFunc<TResult>(id, d));

    /// <inheritdoc cref="BindDelegate{T}(T)"/>
    public LiveFunc<T1, TResult> Bind<T1, TResult>(Func<T1, TResult> function) => Register(function, static (id, d) => new LiveFunc<T1, TResult>(id, d));

    /// <inheritdoc cref="BindDelegate{T}(T)"/>
    public LiveFunc<T1, T2, TResult> Bind<T1, T2, TResult>(Func<T1, T2, TResult> function) => Register(function, static (id, d) => new LiveFunc<T1, T2, TResult>(id, d));

    /// <inheritdoc cref="BindDelegate{T}(T)"/>
    public LiveFunc<T1, T2, T3, TResult> Bind<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> function) => Register(function, static (id, d) => new LiveFunc<T1, T2, T3, TResult>(id, d));

    /// <inheritdoc cref="BindDelegate{T}(T)"/>
    public LiveFunc<T1, T2, T3, T4, TResult> Bind<T1, T2, T3, T4, TResult>(Func<T1, T2, T3, T4, TResult> function) => Register(function, static (id, d) => new LiveFunc<T1, T2, T3, T4, TResult>(id, d));

    private TBinding Register<T, TBinding>(T function, Func<MethodIdentity?, T, TBinding> create)
        where T : Delegate
        where TBinding : LiveBinding<T>
    {
        ArgumentNullException.ThrowIfNull(function);
        MethodIdentity? identity = null;
        var initial = function;
        if (IsSupported)
        {
            identity = MethodIdentity.Of(function, _staticAssembly);
            if (_live?.Current is { } current)
            {
                initial = identity.CreateDelegate<T>(current.Assembly);
            }
        }

        var binding = create(identity, initial);
        if (IsSupported && _live is not null) // IsSupported first: a trimmed host keeps no guard and no rollback
        {
            _live.Guard(binding);
            ((ILiveFunction)binding).Apply(initial, Generation);
        }

        _bindings.Add(binding);
        return binding;
    }

    /// <summary>
    /// Hands the runtime a host object that holds objects (or delegates) of the library, so that every swap carries them
    /// over: at each swap the runtime walks the object's graph and replaces the library's objects inside it with their
    /// migrated counterparts, in place (the object itself stays the same). The library's own static fields are roots
    /// already; call this once for the host's own root, such as the object holding the game's state. Held weakly.
    /// Returns <paramref name="root"/>. In static mode it does nothing else.
    /// </summary>
    /// <exception cref="HotReloadException"><c>HR2016</c>: <paramref name="root"/> is an object of the library itself, which
    /// the host cannot hold across a swap; track the host object that holds it.</exception>
    public T Track<T>(T root) where T : class
    {
        ArgumentNullException.ThrowIfNull(root);
        if (IsSupported && _live is not null)
        {
            TrackLive(root);
        }

        return root;
    }

    private void TrackLive(object root)
    {
        if (System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(root.GetType().Assembly) is GenerationLoadContext)
        {
            throw new HotReloadException(
                $"HR2016: Track needs an object of the host, but got a {root.GetType().FullName} of the library itself; a swap replaces such objects, so track the host object that holds it.");
        }

        _roots.Add(root);
    }

    /// <summary>
    /// The swap point: call it where no call into the library is running, such as the start of a frame. When a
    /// newer copy is there it is loaded, every function is rebound, the old generation is released, and true is
    /// returned; so it is when patches of the live generation were applied (<see cref="GenerationPatched"/>). Otherwise it costs one field read and allocates nothing.
    /// </summary>
    public bool Update()
    {
        if (Volatile.Read(ref _attention) == 0)
        {
            return false;
        }

        return UpdateSlow();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool UpdateSlow()
    {
        Interlocked.Exchange(ref _attention, 0);
        if (!IsSupported || _live is null)
        {
            return false; // nothing is ever prepared, reported or unloaded: a trimmed host keeps none of it
        }

        var swapped = _live.TrySwitch(out var changed);
        if (changed is not null)
        {
            GenerationChanged?.Invoke(this, changed);
        }

        if (_live.TryPatch(out var patched))
        {
            GenerationPatched?.Invoke(this, patched!);
            swapped = true;
        }

        foreach (var queued in _live.TakeEvents())
        {
            switch (queued)
            {
                case ReloadFailedEventArgs failed: ReloadFailed?.Invoke(this, failed); break;
                case GenerationFaultedEventArgs faulted: GenerationFaulted?.Invoke(this, faulted); break;
                case CompileFailedEventArgs failed: CompileFailed?.Invoke(this, failed); break;
                case CompilerMessageEventArgs message: CompilerMessage?.Invoke(this, message); break;
                case GenerationUnloadedEventArgs unloaded: GenerationUnloaded?.Invoke(this, unloaded); break;
                case UnloadStalledEventArgs stalled: UnloadStalled?.Invoke(this, stalled); break;
            }
        }

        return swapped;
    }

    private void Signal() => Interlocked.Exchange(ref _attention, 1);

    /// <summary>Stops watching and releases the live generation.</summary>
    public void Dispose()
    {
        if (IsSupported)
        {
            _live?.Dispose(); // a trimmed host keeps none of the live parts
        }
    }
}
