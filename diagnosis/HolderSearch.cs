using Microsoft.Diagnostics.Runtime;
using Kinds = HotReload.StallProtocol.Kinds;

namespace HotReload.Diagnosis;

/// <summary>One thing that keeps the generation in memory: the root, and the path from it to the generation.</summary>
/// <param name="Kind">What the root is: <c>static field</c>, <c>static event</c>, <c>thread</c>, <c>GC handle</c>, <c>finalizer queue</c>, <c>stack</c>.</param>
/// <param name="Root">The root, as a user reads it: <c>Common.Clock.Tick</c>, <c>thread 'worker-7' (managed id 12)</c>.</param>
/// <param name="Location">Where in the generation's source the path ends (<c>path(line,col)</c>), when its symbols say.</param>
/// <param name="Path">Each object on the way, from the root's to the generation's.</param>
/// <param name="Text">One line: the root, the path, and what of the generation it ends at.</param>
internal sealed record Holder(string Kind, string Root, string? Location, IReadOnlyList<string> Path, string Text);

/// <summary>A thread with a method of the generation on its stack: its managed id, the method as the user wrote it, where in the source.</summary>
internal sealed record RunningThread(int ManagedId, string Method, string? Location);

/// <summary>
/// Finds what holds a generation, in the host's heap: every object that belongs to it (an object of one of its types, a
/// delegate to one of its methods, a <c>System.Type</c> of one of its types), then, walking the references backwards
/// from all of them at once, each root that reaches one (a static field, a thread's stack, a GC handle, the finalizer
/// queue), with the shortest path; and every thread running one of its methods. One pass over the heap builds the
/// backward references, in the address order the heap is laid out in: reading it in that order is what makes it fast.
/// </summary>
internal sealed class HolderSearch
{
    private readonly ClrRuntime _runtime;
    private readonly ClrHeap _heap;
    private readonly ClrModule _module;
    private readonly HashSet<ulong> _allocators = [];
    private readonly SourceLocations _sources;
    private readonly List<string> _runningThreads = [];
    private readonly ThreadWalk? _threads;

    private HolderSearch(ClrRuntime runtime, ClrModule module, ThreadWalk? threads)
    {
        _runtime = runtime;
        _threads = threads;
        _heap = runtime.Heap;
        _module = module;
        _sources = new SourceLocations(module.Name);
        foreach (var (methodTable, _) in module.EnumerateTypeDefToMethodTableMap())
        {
            if (_heap.GetTypeByMethodTable(methodTable) is { LoaderAllocatorHandle: not 0 } type)
            {
                _allocators.Add(type.LoaderAllocatorHandle);
            }
        }
    }

    /// <summary>
    /// The holders of the generation whose assembly is <paramref name="assemblyName"/> (<c>Game.3</c>); null when it is
    /// gone. <paramref name="threads"/>: the heap is read while the host runs, and its threads are walked apart, by
    /// that (see <see cref="Roots"/>); null for a dump, whose threads are walked here.
    /// </summary>
    public static List<Holder>? Find(ClrRuntime runtime, string assemblyName, int most, ThreadWalk? threads) =>
        Module(runtime, assemblyName) is { } module ? new HolderSearch(runtime, module, threads).Run(most) : null;

    /// <summary>The threads running the generation's code (see <see cref="ThreadWalk"/>); null when it is gone.</summary>
    public static List<RunningThread>? FindRunningThreads(ClrRuntime runtime, string assemblyName) =>
        Module(runtime, assemblyName) is { } module ? [.. new HolderSearch(runtime, module, null).WalkThreads()] : null;

    private static ClrModule? Module(ClrRuntime runtime, string assemblyName) =>
        runtime.EnumerateModules().FirstOrDefault(m =>
            m.Name is { } name && string.Equals(Path.GetFileNameWithoutExtension(name), assemblyName, StringComparison.OrdinalIgnoreCase));

    private bool IsLive => _threads is not null;

    /// <summary>
    /// Of the generation's own assembly, whose symbols <see cref="SourceLocations"/> reads: not one of its private
    /// dependencies (in the same context, but with symbols of their own), nor a host object a long path was cut at.
    /// </summary>
    private bool InGenerationAssembly(ClrType? type) => type?.Module is { } module && module.Address == _module.Address;

    private bool InGeneration(ClrType? type) =>
        type is not null
        && ((type.LoaderAllocatorHandle != 0 && _allocators.Contains(type.LoaderAllocatorHandle))
            || (type.Module is { } module && (module.Address == _module.Address || (_module.LoaderAllocator != 0 && module.LoaderAllocator == _module.LoaderAllocator))));

    private List<Holder> Run(int most)
    {
        var targets = new Dictionary<ulong, string>();
        var from = new List<ulong>(1 << 16);
        var to = new List<ulong>(1 << 16);
        var threadNames = new Dictionary<int, string>();
        // A Thread object names a thread only if that thread lives: the heap also holds the objects of threads that ended
        // and are not collected yet, whose managed ids the runtime has given out again, and whose names may be gone.
        var liveThreads = _runtime.Threads.Where(t => t.IsAlive).Select(t => (t.Address, t.ManagedThreadId)).ToHashSet();
        var timers = new HashSet<ulong>();
        // Carefully: read live, a thread's allocation context can hold a gap of memory not yet formatted as objects; the
        // walk steps over it rather than stopping at it (and missing the rest of the region).
        var kinds = new Dictionary<ulong, ObjectKind>(); // by method table: most of what an object is, its type decides
        foreach (var obj in _heap.EnumerateObjects(carefully: true))
        {
            if (obj.Type is not { } type)
            {
                continue;
            }

            if (!kinds.TryGetValue(type.MethodTable, out var kind))
            {
                kinds[type.MethodTable] = kind = KindOf(obj, type);
            }

            switch (kind)
            {
                case ObjectKind.OfGeneration:
                    targets[obj.Address] = Names.OfGeneration(type);
                    break;
                case ObjectKind.Delegate when DelegateMethod(obj) is { } method && InGeneration(method.Type):
                    targets[obj.Address] = Names.Delegate(method);
                    break;
                case ObjectKind.Delegate when InGeneration(type): // of a delegate type of the generation, to another method
                    targets[obj.Address] = Names.OfGeneration(type);
                    break;
                case ObjectKind.RuntimeType when obj.AsRuntimeType() is { } runtimeType && InGeneration(runtimeType):
                    targets[obj.Address] = $"typeof({Names.Type(runtimeType)}), a type of the generation";
                    break;
                case ObjectKind.Thread when ThreadName(obj) is { } named && liveThreads.Contains((named.Native, named.Id)):
                    threadNames[named.Id] = named.Name;
                    break;
                case ObjectKind.Timer:
                    timers.Add(obj.Address);
                    break;
            }

            if (type.ContainsPointers)
            {
                foreach (var reference in obj.EnumerateReferenceAddresses(carefully: true, considerDependantHandles: true))
                {
                    if (reference != 0)
                    {
                        from.Add(obj.Address);
                        to.Add(reference);
                    }
                }
            }
        }

        Progress.Step($"heap pass: {targets.Count} objects of the generation, {to.Count} references");
        var holders = new List<Holder>();
        var running = _threads is null ? WalkThreads() : _threads.Take();
        holders.AddRange(running.Select(t => ThreadHolder(t, threadNames)).Take(most));
        Progress.Step("running threads");
        if (targets.Count > 0)
        {
            var back = new BackReferences(from, to);
            Progress.Step("back references");
            holders.AddRange(RootPaths(targets, timers, back, threadNames, most - holders.Count));
            Progress.Step("paths from the roots");
        }

        return holders;
    }

    /// <summary>What an object of a type can be to the search: the type decides, except for a delegate (its method) and a System.Type (the type it stands for).</summary>
    private enum ObjectKind { Other, OfGeneration, Delegate, RuntimeType, Thread, Timer }

    private ObjectKind KindOf(ClrObject obj, ClrType type) =>
        obj.IsDelegate ? ObjectKind.Delegate
        : InGeneration(type) ? ObjectKind.OfGeneration
        : obj.IsRuntimeType ? ObjectKind.RuntimeType
        : type.Name == "System.Threading.Thread" ? ObjectKind.Thread
        : type.Name == TimerQueueTimer ? ObjectKind.Timer
        : ObjectKind.Other;

    private static ClrMethod? DelegateMethod(ClrObject obj)
    {
        try
        {
            var @delegate = obj.AsDelegate();
            return @delegate.HasMultipleTargets
                ? @delegate.EnumerateDelegateTargets().Select(t => t.Method).FirstOrDefault(m => m is not null)
                : @delegate.GetDelegateTarget()?.Method;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            return null; // a delegate changing under a live read
        }
    }

    /// <summary>A Thread object's name, managed id and runtime thread (the address <see cref="ClrThread.Address"/> gives).</summary>
    private static (ulong Native, int Id, string Name)? ThreadName(ClrObject thread) =>
        thread.TryReadField<ulong>("_DONT_USE_InternalThread", out var native) && native != 0
        && thread.TryReadField<int>("_managedThreadId", out var id) && thread.TryReadStringField("_name", null, out var name) && name is not null
            ? (native, id, name)
            : null;

    /// <summary>Threads with a method of the generation on their stack: they run its code (and hold it) until they return.</summary>
    private IEnumerable<RunningThread> WalkThreads()
    {
        foreach (var thread in _runtime.Threads)
        {
            if (!thread.IsAlive)
            {
                continue;
            }

            ClrStackFrame? frame = null;
            try
            {
                frame = thread.EnumerateStackTrace(includeContext: false, maxFrames: 200).FirstOrDefault(f => f.Method is { } m && InGeneration(m.Type));
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                // A stack changing under a live read: not named this time.
            }

            if (frame?.Method is not { } method)
            {
                continue;
            }

            var location = InGenerationAssembly(method.Type) ? _sources.Find(method, frame.InstructionPointer) : null;
            yield return new RunningThread(thread.ManagedThreadId, Names.Method(method), location);
        }
    }

    private Holder ThreadHolder(RunningThread thread, Dictionary<int, string> threadNames)
    {
        var root = Names.Thread(thread.ManagedId, threadNames);
        _runningThreads.Add(root);
        return new Holder(Kinds.Thread, root, thread.Location, [root, thread.Method],
            $"{root}, which is running {thread.Method} of the generation{Hint(Kinds.Thread)}");
    }

    /// <summary>
    /// The shortest path from each root that reaches the generation, found walking backwards from all of it at once. A
    /// timer counts as a root of its own: all timers hang in the runtime's one timer queue, which would name only the first.
    /// </summary>
    private IEnumerable<Holder> RootPaths(Dictionary<ulong, string> targets, HashSet<ulong> timers, BackReferences back, Dictionary<int, string> threadNames, int most)
    {
        // An object can have several roots (a delegate in a static event and on a thread's stack): each is a holder.
        var roots = new Dictionary<ulong, List<ClrRoot>>();
        foreach (var root in Roots())
        {
            if (root.Object.Address != 0 && root.RootKind != ClrRootKind.None)
            {
                if (!roots.TryGetValue(root.Object.Address, out var list))
                {
                    roots[root.Object.Address] = list = [];
                }

                list.Add(root);
            }
        }

        var statics = new StaticFields(_runtime);
        var toward = new Dictionary<ulong, ulong>(); // an object → the next object on its way to the generation
        var queue = new Queue<ulong>();
        foreach (var target in targets.Keys)
        {
            toward[target] = 0;
            queue.Enqueue(target);
        }

        var found = 0;
        var seenRoots = new HashSet<string>();
        while (queue.Count > 0 && found < most)
        {
            var current = queue.Dequeue();
            if (timers.Contains(current))
            {
                found++;
                yield return DescribeTimer(PathFrom(current, toward), targets);
                continue;
            }

            foreach (var root in roots.GetValueOrDefault(current) ?? [])
            {
                if (found < most && Describe(root, PathFrom(current, toward), statics, threadNames, targets) is { } holder && seenRoots.Add(holder.Text))
                {
                    found++;
                    yield return holder;
                }
            }

            foreach (var referrer in back.To(current))
            {
                // The runtime keeps the statics of many types in one array: each of its fields that leads here is a
                // holder of its own (the array is not walked on, or only the first field found would be named).
                var fields = statics.Holding(_heap.GetObject(referrer), current);
                foreach (var field in fields)
                {
                    if (found < most && StaticRoot(field) is ({ } kind, { } name) && Holder(kind, name, PathFrom(current, toward), targets) is var holder
                        && seenRoots.Add(holder.Text))
                    {
                        found++;
                        yield return holder;
                    }
                }

                if (fields.Count == 0 && toward.TryAdd(referrer, current))
                {
                    queue.Enqueue(referrer);
                }
            }
        }
    }

    /// <summary>
    /// Every root; read live, without the locals on the threads' stacks: the runtime's data access library walks a
    /// running thread's stack for them, which faults or never ends when the stack changes under it (measured: 2 reads in
    /// 15 took the helper down). A thread that runs the generation's code is still named: from its stack trace, walked in
    /// a process apart (<see cref="ThreadWalk"/>), since even that takes the walker down now and then; a local of another
    /// thread is found from a dump, which the runtime reads when a live read finds no holder.
    /// </summary>
    private IEnumerable<ClrRoot> Roots() => IsLive
        ? _runtime.EnumerateHandles().Where(h => h.IsStrong).Select(h => (ClrRoot)h).Concat(_heap.EnumerateFinalizerRoots()).Concat(_heap.EnumerateAdditionalRoots())
        : _heap.EnumerateRoots();

    private static List<ulong> PathFrom(ulong start, Dictionary<ulong, ulong> toward)
    {
        var path = new List<ulong>();
        for (var current = start; current != 0 && path.Count < 64; current = toward[current])
        {
            path.Add(current);
        }

        return path;
    }

    private Holder? Describe(ClrRoot root, List<ulong> path, StaticFields statics, Dictionary<int, string> threadNames, Dictionary<ulong, string> targets)
    {
        string? kind, name;
        if (root.RootKind is ClrRootKind.StaticVar or ClrRootKind.ThreadStaticVar && statics.Named(root.Address, out var named))
        {
            (kind, name) = StaticRoot(named);
        }
        else
        {
            (kind, name) = root.RootKind switch
            {
                ClrRootKind.Stack => (Kinds.Stack, StackRoot(root, threadNames)),
                ClrRootKind.FinalizerQueue => (Kinds.FinalizerQueue, "the finalizer queue (an object waiting for its finalizer to run)"),
                ClrRootKind.StrongHandle => (Kinds.GCHandle, "a GC handle (Normal)"),
                ClrRootKind.PinnedHandle => (Kinds.GCHandle, "a GC handle (Pinned)"),
                ClrRootKind.AsyncPinnedHandle => (Kinds.GCHandle, "a GC handle (async pinned: an overlapped I/O in flight)"),
                ClrRootKind.RefCountedHandle => (Kinds.GCHandle, "a reference-counted GC handle (a COM wrapper)"),
                ClrRootKind.SizedRefHandle => (Kinds.GCHandle, "a sized-ref GC handle"),
                // A static the runtime keeps for the generation's own types (it dies with them), not a holder.
                ClrRootKind.StaticVar or ClrRootKind.ThreadStaticVar => (null, null),
                _ => (Kinds.Other, root.RootKind.ToString()),
            };
        }

        if (kind is null || name is null || (root.RootKind == ClrRootKind.Stack && _runningThreads.Any(t => name.EndsWith(t, StringComparison.Ordinal))))
        {
            return null; // a thread already named as running the generation's code holds it on its stack too
        }

        return Holder(kind, name, path, targets);
    }

    private Holder DescribeTimer(List<ulong> path, Dictionary<ulong, string> targets) =>
        Holder(Kinds.Timer, TimerName(path.Select(_heap.GetObject).ToList()), path.Skip(1).ToList(), targets);

    /// <summary>A holder whose root is <paramref name="root"/>, then each object of <paramref name="path"/>, the last one the generation's.</summary>
    private Holder Holder(string kind, string root, List<ulong> path, Dictionary<ulong, string> targets)
    {
        var steps = path.Select(_heap.GetObject).ToList();
        var location = Location(steps[^1]);

        // A static field that holds an object whose event has the handler (AppDomain.CurrentDomain.ProcessExit,
        // Clock.Instance.Tick): an event, named as code reaches it.
        if (kind is Kinds.StaticField or Kinds.FrameworkCache && steps.Count >= 2 && !targets.ContainsKey(steps[0].Address)
            && Names.FieldTo(steps[0], steps[1].Address) is { IsDelegate: true } @event)
        {
            (kind, root) = (Kinds.StaticEvent, Names.Singleton(root) + "." + @event.Name);
            steps.RemoveAt(0);
        }

        // Each object by its type and the field the path goes on by; the generation's by what of it it is.
        var names = steps.Select((s, i) => targets.GetValueOrDefault(s.Address) ?? (i + 1 < steps.Count ? Names.Step(s, steps[i + 1].Address) : Names.Object(s, null)))
            .Prepend(root).ToList();
        var pathText = string.Join(HotReload.StallProtocol.PathSeparator, names);
        var text = kind is Kinds.StaticField or Kinds.StaticEvent ? $"the {kind} {pathText}{Hint(kind)}"
            : kind is Kinds.FrameworkCache ? $"the static field {pathText}{Hint(kind)}"
            : $"{pathText}{Hint(kind)}";
        return new Holder(kind, root, location, names, text);
    }

    private const string TimerQueueTimer = "System.Threading.TimerQueueTimer";

    /// <summary>
    /// A static field's kind: an event (a field of a delegate type), a cache of the framework, or the user's field; none
    /// for a field of the generation's own types (the compiler's caches of lambdas, say), which dies with it.
    /// </summary>
    private (string? Kind, string? Name) StaticRoot(StaticField field) =>
        InGeneration(field.Owner) ? (null, null)
        : field.IsEvent ? (Kinds.StaticEvent, field.Name)
        : Names.IsFramework(field.Name) ? (Kinds.FrameworkCache, field.Name)
        : (Kinds.StaticField, field.Name);

    /// <summary>What started the timer, from what it keeps: a Task.Delay, a PeriodicTimer, or a Timer.</summary>
    private static string TimerName(List<ClrObject> fromTimer)
    {
        foreach (var step in fromTimer)
        {
            var type = step.Type?.Name ?? "";
            if (type.StartsWith("System.Threading.Tasks.Task+DelayPromise", StringComparison.Ordinal))
            {
                return "a Task.Delay in flight";
            }

            if (type == "System.Threading.PeriodicTimer+State")
            {
                return "a PeriodicTimer";
            }
        }

        return "a System.Threading.Timer";
    }

    private static string Hint(string kind) => HotReload.StallProtocol.Hint(kind);

    private string StackRoot(ClrRoot root, Dictionary<int, string> threadNames)
    {
        foreach (var thread in _runtime.Threads)
        {
            try
            {
                foreach (var stackRoot in thread.EnumerateStackRoots())
                {
                    if (stackRoot.Object.Address == root.Object.Address)
                    {
                        var method = stackRoot.StackFrame?.Method;
                        return $"a local of {(method is null ? "a method" : Names.Method(method))} on {Names.Thread(thread.ManagedThreadId, threadNames)}";
                    }
                }
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                // A stack changing under a live read.
            }
        }

        return "a thread's stack";
    }

    /// <summary>Where in the generation's source the last step is: a delegate's method, or the first method of an object's type.</summary>
    private string? Location(ClrObject last)
    {
        if (last.IsDelegate && DelegateMethod(last) is { } method && InGeneration(method.Type))
        {
            return InGenerationAssembly(method.Type) ? _sources.Find(method, instructionPointer: 0) : null;
        }

        var type = last.IsRuntimeType ? last.AsRuntimeType() : last.Type;
        return InGenerationAssembly(type) ? _sources.FindType(type!) : null;
    }
}
