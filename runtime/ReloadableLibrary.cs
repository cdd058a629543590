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
public sealed class ReloadableLibrary : IDisposable, IFaultHandler
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
    private readonly GenerationFolder? _folder;
    private readonly GenerationWatcher? _watcher;
    private readonly UnloadTracker? _tracker;
    private readonly List<ILiveFunction> _functions = [];
    private readonly ConcurrentQueue<ReloadFailedEventArgs> _failures = new();
    private readonly ConcurrentQueue<EventArgs> _events = new(); // the compiler's and faults, raised by Update
    private readonly WarmCompiler? _compiler;
    private readonly RollbackHistory? _history; // null unless ReloadOptions.RollbackOnException
    private GenerationLoadContext? _context;
    private GenerationHooks? _hooks; // the live generation's; null before the first (and in static mode, so a trimmed host keeps none)
    private Assembly _live;
    private volatile int _generation;
    private PreparedGeneration? _prepared;
    private int _attention;
    private int _preparing;
    private int _rescan;
    private int _watching;
    private int _refusedGeneration; // written by the preparing thread and the host's thread: Interlocked only
    private volatile bool _disposed;

    private ReloadableLibrary(Assembly staticAssembly, string? copiesDirectory, string? staticReason, ReloadOptions options, string? compileManifest = null)
    {
        _staticAssembly = staticAssembly;
        _live = staticAssembly;
        Name = staticAssembly.GetName().Name!;
        if (copiesDirectory is null || !IsSupported)
        {
            Mode = ReloadMode.Static;
            Description = $"{Name}: static mode ({staticReason})";
            return;
        }

        Mode = ReloadMode.Live;
        _folder = new GenerationFolder(copiesDirectory, Name);
        _tracker = new UnloadTracker(Signal, options.UnloadStallTimeout, options.CollectReleasedGenerations);
        _history = options.RollbackOnException ? new RollbackHistory() : null;
        Description = $"{Name}: live mode, copies in {copiesDirectory}";

        // Watch first, then scan: a copy published in between is seen. Events before the first scan only mark a
        // rescan, so that no preparation runs beside the one below.
        _watcher = new GenerationWatcher(copiesDirectory, OnCopiesChanged);

        // Start on the newest copy (made by the host's own build from the current source); a failure is reported
        // by the first Update, once the host has subscribed.
        PrepareNewest();
        SwitchToPrepared(); // no handler is subscribed yet, so no event
        SwapPathWarmUp.Start();
        Interlocked.Exchange(ref _watching, 1);
        if (Interlocked.CompareExchange(ref _rescan, 0, 0) == 1)
        {
            SchedulePrepare();
        }

        if (options.CompileOnSave && compileManifest is not null)
        {
            _compiler = WarmCompiler.TryStart(compileManifest, Name, QueueEvent, SchedulePrepare);
            if (_compiler is not null)
            {
                Description += "; compiling on save";
            }
        }
    }

    private void QueueEvent(EventArgs e)
    {
        _events.Enqueue(e);
        Signal();
    }

    /// <summary>A newer generation is live. Raised inside <see cref="Update"/>, on the host's thread.</summary>
    public event EventHandler<GenerationChangedEventArgs>? GenerationChanged;

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
    public int? CompilerProcessId => _compiler?.ProcessId;

    /// <summary>The library's assembly name.</summary>
    public string Name { get; }

    /// <summary>Live or static, fixed when the library is opened.</summary>
    public ReloadMode Mode { get; }

    /// <summary>The generation whose code runs: N for <c>bin/reloaded/N/</c>, 0 for the statically linked library.</summary>
    public int Generation => _generation;

    /// <summary>One line saying which mode is on and why, for the host to print.</summary>
    public string Description { get; private set; }

    /// <summary>Released generations whose code is still in memory (they disappear once collected).</summary>
    public int PendingUnloads => _tracker?.PendingCount ?? 0;

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
            if (Generation != 0)
            {
                initial = identity.CreateDelegate<T>(_live);
            }
        }

        var binding = create(identity, initial);
        if (IsSupported && _history is not null) // IsSupported first: a trimmed host keeps no guard and no rollback
        {
            ((ILiveFunction)binding).GuardWith(this);
            ((ILiveFunction)binding).Apply(initial, Generation);
        }

        lock (_functions)
        {
            _functions.Add(binding);
        }

        return binding;
    }

    /// <summary>
    /// The swap point: call it where no call into the library is running, such as the start of a frame. When a
    /// newer copy is there it is loaded, every function is rebound, the old generation is released, and true is
    /// returned. Otherwise it costs one field read and allocates nothing.
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
        if (!IsSupported)
        {
            return false; // nothing is ever prepared, reported or unloaded: a trimmed host keeps none of it
        }

        var swapped = SwitchToPrepared();
        while (_failures.TryDequeue(out var failure))
        {
            ReloadFailed?.Invoke(this, failure);
        }

        while (_events.TryDequeue(out var queued))
        {
            switch (queued)
            {
                case GenerationFaultedEventArgs faulted: GenerationFaulted?.Invoke(this, faulted); break;
                case CompileFailedEventArgs failed: CompileFailed?.Invoke(this, failed); break;
                case CompilerMessageEventArgs message: CompilerMessage?.Invoke(this, message); break;
            }
        }

        while (_tracker is not null && _tracker.TryTakeResult(out var result))
        {
            switch (result)
            {
                case GenerationUnloadedEventArgs unloaded: GenerationUnloaded?.Invoke(this, unloaded); break;
                case UnloadStalledEventArgs stalled: UnloadStalled?.Invoke(this, stalled); break;
            }
        }

        return swapped;
    }

    /// <summary>On the host's thread: makes the prepared generation live. Only field writes, unless functions were bound after it was prepared.</summary>
    [RequiresUnreferencedCode(LiveModeNeedsReflection)]
    private bool SwitchToPrepared()
    {
        var prepared = Interlocked.Exchange(ref _prepared, null);
        if (prepared is null)
        {
            return false;
        }

        var stopwatch = Stopwatch.StartNew();
        var previous = _generation;
        if (!TryMakeLive(prepared, out var failure))
        {
            Refuse(prepared.Generation, prepared.AssemblyPath, failure);
            return false;
        }

        if (previous != 0)
        {
            _history?.RanCleanly(previous); // replaced without a fault: a place to roll back to
        }

        GenerationChanged?.Invoke(this, new GenerationChangedEventArgs(previous, prepared.Generation, prepared.AssemblyPath, stopwatch.Elapsed,
            prepared.LoadTime, prepared.SincePrepared.Elapsed, prepared.Save));
        return true;
    }

    /// <summary>
    /// On the host's thread: binds every function to <paramref name="prepared"/>, runs its loaded hooks, switches to it,
    /// then runs the old generation's releasing hooks and releases it. A copy that cannot be bound, or whose hook throws,
    /// is released unused and the running generation stays.
    /// </summary>
    [RequiresUnreferencedCode(LiveModeNeedsReflection)]
    private bool TryMakeLive(PreparedGeneration prepared, [NotNullWhen(false)] out Exception? failure)
    {
        var functions = BoundFunctions();

        var bound = new object[functions.Length];
        try
        {
            for (var i = 0; i < functions.Length; i++)
            {
                var index = Array.IndexOf(prepared.Functions, functions[i]);
                bound[i] = index >= 0 ? prepared.Bound[index] : functions[i].Resolve(prepared.Assembly);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failure = e;
            _tracker!.Release(prepared.Generation, prepared.Context, wentLive: false);
            return false;
        }

        if (prepared.Hooks.RunLoaded() is { } hookFailure)
        {
            failure = new HotReloadException(
                $"HR2008: the [OnGenerationLoaded] hook {hookFailure.Hook} of generation {prepared.Generation} threw {hookFailure.Exception.GetType().Name}: {Sentence(hookFailure.Exception.Message)} The copy is refused and generation {_generation} keeps running; fix the hook and save again.",
                hookFailure.Exception);
            _tracker!.Release(prepared.Generation, prepared.Context, wentLive: false);
            return false;
        }

        for (var i = 0; i < functions.Length; i++)
        {
            functions[i].Apply(bound[i], prepared.Generation);
        }

        var previous = _generation;
        var released = _context;
        var releasedHooks = _hooks;
        _context = prepared.Context;
        _live = prepared.Assembly;
        _hooks = prepared.Hooks;
        _generation = prepared.Generation;
        if (released is not null)
        {
            ReportReleasingHookFailure(previous, releasedHooks?.RunReleasing());
            _tracker!.Release(previous, released, wentLive: true);
        }

        failure = null;
        return true;
    }

    private void ReportReleasingHookFailure(int generation, HookFailure? failure)
    {
        if (failure is not null)
        {
            QueueEvent(new GenerationFaultedEventArgs(generation, failure.Hook, failure.Exception, _generation, rolledBack: false,
                $"HR2008: the [OnGenerationReleasing] hook {failure.Hook} of generation {generation} threw {failure.Exception.GetType().Name}: {Sentence(failure.Exception.Message)} The generation is released anyway; what the hook did not stop may keep it in memory."));
        }
    }

    bool IFaultHandler.CanRollBack(int generation) =>
        generation == _generation && !_disposed && _history is not null && _history.HasCandidateFor(generation);

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only live mode guards bindings (ReloadOptions.RollbackOnException with HotReload.IsSupported on); a trimmed host never reaches it.")]
    bool IFaultHandler.RollBack(string entryPoint, int generation, Exception exception)
    {
        // Never load the faulted copy again; a newer copy goes live as usual.
        MarkRefused(generation);
        var location = FaultLocation.Find(exception, _live);
        _history!.Forget(generation);
        var functions = BoundFunctions();

        foreach (var candidate in _history.CandidatesFor(generation))
        {
            PreparedGeneration prepared;
            try
            {
                prepared = PreparedGeneration.Load(_folder!, candidate, functions, (g, context) => _tracker!.Release(g, context, wentLive: false));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _history.Forget(candidate); // pruned, or no longer loads: try an older one
                continue;
            }

            if (!TryMakeLive(prepared, out _))
            {
                _history.Forget(candidate);
                continue;
            }

            QueueEvent(new GenerationFaultedEventArgs(generation, entryPoint, exception, candidate, rolledBack: true,
                $"HR2007: {entryPoint} threw {exception.GetType().Name} in generation {generation}: {Sentence(exception.Message)} Rolled back to generation {candidate}, which runs the call again; generation {generation} will not be loaded again: fix the code and save.")
            { Location = location });
            return true;
        }

        QueueEvent(new GenerationFaultedEventArgs(generation, entryPoint, exception, _generation, rolledBack: false,
            $"HR2007: {entryPoint} threw {exception.GetType().Name} in generation {generation}: {Sentence(exception.Message)} No earlier generation could be loaded again, so the exception reaches the host.")
            { Location = location });
        return false;
    }

    [RequiresUnreferencedCode(LiveModeNeedsReflection)]
    private void OnCopiesChanged()
    {
        Interlocked.Exchange(ref _rescan, 1); // before reading _watching: the constructor writes them the other way round
        if (Interlocked.CompareExchange(ref _watching, 0, 0) == 1)
        {
            SchedulePrepare();
        }
    }

    /// <summary>Called for each new copy: prepares it on the thread pool, one preparation at a time.</summary>
    [RequiresUnreferencedCode(LiveModeNeedsReflection)]
    private void SchedulePrepare()
    {
        Volatile.Write(ref _rescan, 1);
        if (Interlocked.CompareExchange(ref _preparing, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => PrepareLoop(), null);
        }
    }

    [RequiresUnreferencedCode(LiveModeNeedsReflection)]
    private void PrepareLoop()
    {
        while (Interlocked.Exchange(ref _rescan, 0) == 1 && !_disposed)
        {
            PrepareNewest();
        }

        Volatile.Write(ref _preparing, 0);

        // A copy that arrived between the last scan and the line above would otherwise wait for the next one.
        if (Volatile.Read(ref _rescan) == 1 && !_disposed)
        {
            SchedulePrepare();
        }
    }

    /// <summary>Loads the newest copy if it is newer than what is live or prepared; never throws.</summary>
    [RequiresUnreferencedCode(LiveModeNeedsReflection)]
    private void PrepareNewest()
    {
        var newest = _folder!.Newest();
        var waiting = Volatile.Read(ref _prepared);
        if (newest <= _generation || newest <= Volatile.Read(ref _refusedGeneration) || newest <= (waiting?.Generation ?? 0))
        {
            return;
        }

        var functions = BoundFunctions();

        try
        {
            var prepared = PreparedGeneration.Load(_folder, newest, functions, (generation, context) => _tracker!.Release(generation, context, wentLive: false));
            var superseded = Interlocked.Exchange(ref _prepared, prepared);
            if (superseded is not null)
            {
                _tracker!.Release(superseded.Generation, superseded.Context, wentLive: false); // a newer copy came first
            }

            if (_disposed && Interlocked.Exchange(ref _prepared, null) is { } orphan)
            {
                orphan.Context.Unload();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bad copy never takes the host down: keep the running generation and wait for a newer copy.
            Refuse(newest, _folder.AssemblyPathOf(newest), e);
        }

        Signal();
    }

    private void Refuse(int generation, string path, Exception e)
    {
        MarkRefused(generation);
        var message = HotReloadException.Within(e) is { } refusal
            ? refusal.Message
            : $"HR2004: Loading {path} failed: {e.GetType().Name}: {Sentence(e.Message)} Generation {_generation} keeps running; fix the library and build again.";
        _failures.Enqueue(new ReloadFailedEventArgs(generation, message, e));
    }

    /// <summary>No copy numbered <paramref name="generation"/> or lower is prepared again.</summary>
    private void MarkRefused(int generation)
    {
        for (var refused = Volatile.Read(ref _refusedGeneration);
             refused < generation && Interlocked.CompareExchange(ref _refusedGeneration, generation, refused) != refused;
             refused = Volatile.Read(ref _refusedGeneration))
        {
        }
    }

    /// <summary>The bindings made so far; Bind may add one on the host's thread while a copy loads on another.</summary>
    private ILiveFunction[] BoundFunctions()
    {
        lock (_functions)
        {
            return _functions.ToArray();
        }
    }

    /// <summary>An exception's message as a sentence of a coded one-line message: one final period, one line.</summary>
    private static string Sentence(string message)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        return line.EndsWith('.') ? line : line + ".";
    }

    private void Signal() => Interlocked.Exchange(ref _attention, 1);

    /// <summary>Stops watching and releases the live generation.</summary>
    public void Dispose()
    {
        if (IsSupported)
        {
            DisposeLive(); // a trimmed host keeps none of the live parts
        }
    }

    private void DisposeLive()
    {
        _disposed = true;
        _compiler?.Dispose();
        _watcher?.Dispose();
        Interlocked.Exchange(ref _prepared, null)?.Context.Unload();
        if (_context is not null)
        {
            _hooks?.RunReleasing(); // nothing raises events after Dispose: a failure here goes unreported
            _context.Unload();
            _context = null;
        }

        _tracker?.Dispose();
    }
}
