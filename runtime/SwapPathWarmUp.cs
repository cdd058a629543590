using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace HotReload.Runtime;

/// <summary>
/// Compiles, off the host's thread, the parts of a swap that opening the library does not run: releasing the old
/// generation, the event's arguments, a binding's switch. Without it the process's first swap compiles them inside
/// <see cref="ReloadableLibrary.Update"/>, on the host's frame (1.6-2.8 ms in the hitch figure, BENCHMARKS.md §11).
/// </summary>
internal static class SwapPathWarmUp
{
    private const BindingFlags Members = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static int _started;

    /// <summary>Once a process, on the thread pool.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => Run(), null);
        }
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static void Run()
    {
        try
        {
            Prepare(typeof(UnloadTracker), nameof(UnloadTracker.Release), "Schedule", nameof(UnloadTracker.TryTakeResult));
            Prepare(typeof(ReloadableLibrary), "UpdateSlow");
            Prepare(typeof(LiveSession), nameof(LiveSession.TrySwitch), "ReportReleasingFailure", nameof(LiveSession.TakeEvents));
            Prepare(typeof(GenerationSwitch), nameof(GenerationSwitch.TryMakeLive));
            Prepare(typeof(BindingSet), nameof(BindingSet.Resolve), nameof(BindingSet.Apply));
            Prepare(typeof(TrackedRoots), nameof(TrackedRoots.Alive));
            Prepare(typeof(StateMigrator), "RunCore", nameof(StateMigrator.Map), "MapField", "Drain", "Register", "Enqueue", "Report", "Commit");
            Prepare(typeof(IdentityMap), nameof(IdentityMap.TryGet), nameof(IdentityMap.Add), "Insert", "Grow", nameof(IdentityMap.Clear));
            Prepare(typeof(IdentityMapPool), nameof(IdentityMapPool.Take), nameof(IdentityMapPool.Return));
            Prepare(typeof(PreparedMigration), nameof(PreparedMigration.Commit), nameof(PreparedMigration.Drop));
            foreach (var plan in new[] { typeof(CopyPlan), typeof(ClassCopyPlan), typeof(CollectionCopyPlan), typeof(ArrayCopyPlan), typeof(BoxCopyPlan), typeof(UpdatePlan), typeof(DelegatePlan), typeof(DropPlan), typeof(SingletonPlan) })
            {
                Prepare(plan, "Begin", "Allocate", "Fill", "Update");
            }

            Prepare(typeof(MigrationReport), nameof(MigrationReport.ToString));
            Prepare(typeof(GenerationHooks), nameof(GenerationHooks.RunReleasing), nameof(GenerationHooks.RunLoaded));
            Prepare(typeof(RollbackHistory), nameof(RollbackHistory.RanCleanly));
            foreach (var constructor in typeof(GenerationChangedEventArgs).GetConstructors(Members))
            {
                RuntimeHelpers.PrepareMethod(constructor.MethodHandle);
            }

            // A binding's switch: shared code for every delegate type (they are all reference types).
            Prepare(typeof(LiveBinding<Action>), "HotReload.Runtime.ILiveFunction.Apply");
            _ = Array.IndexOf(new ILiveFunction[1], null); // the generic instantiation the switch uses to find prepared bindings
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Only a head start: the first swap compiles whatever is missing, as it would without this.
        }
    }

    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    private static void Prepare([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] Type type, params string[] names)
    {
        foreach (var method in type.GetMethods(Members))
        {
            if (Array.IndexOf(names, method.Name) >= 0 && !method.ContainsGenericParameters && !method.IsAbstract)
            {
                RuntimeHelpers.PrepareMethod(method.MethodHandle);
            }
        }
    }
}
