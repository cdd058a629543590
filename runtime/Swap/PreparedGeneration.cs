using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace HotReload.Runtime;

/// <summary>
/// A copy loaded into its own context, with every entry point already resolved and compiled, waiting for
/// <see cref="ReloadableLibrary.Update"/> to switch to it. Loading happens off the host's thread, so the switch
/// itself is a handful of field writes.
/// </summary>
internal sealed class PreparedGeneration
{
    private PreparedGeneration(int generation, string assemblyPath, GenerationLoadContext context, Assembly assembly,
        ILiveFunction[] functions, object[] bound, GenerationHooks hooks, TimeSpan loadTime, SaveTimings? save)
    {
        Hooks = hooks;
        Save = save;
        Generation = generation;
        AssemblyPath = assemblyPath;
        Context = context;
        Assembly = assembly;
        Functions = functions;
        Bound = bound;
        LoadTime = loadTime;
    }

    public int Generation { get; }

    public string AssemblyPath { get; }

    public GenerationLoadContext Context { get; }

    public Assembly Assembly { get; }

    /// <summary>The functions resolved here, in the order of <see cref="Bound"/>; ones bound later are resolved at the switch.</summary>
    public ILiveFunction[] Functions { get; }

    public object[] Bound { get; }

    /// <summary>The generation's lifecycle hooks, found while it loaded.</summary>
    public GenerationHooks Hooks { get; }

    public TimeSpan LoadTime { get; }

    /// <summary>The warm compiler's timings when the copy was made on a save; null for a build's copy.</summary>
    public SaveTimings? Save { get; }

    /// <summary>Runs from the end of the load: how long the copy waits for the host's next Update.</summary>
    public Stopwatch SincePrepared { get; } = Stopwatch.StartNew();

    /// <summary>
    /// The migration from the generation that was live while this one loaded, planned ahead off the host's thread; null
    /// when there was none, or planning failed (the swap plans on its own then, and reports what failed).
    /// </summary>
    public MigrationPlanner? Planner { get; private set; }

    /// <summary>The planner for a migration from <paramref name="live"/>: the one made ahead if it was made for it; taken once.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public MigrationPlanner TakePlanner(LiveGeneration live)
    {
        var planner = Planner;
        Planner = null;
        return planner is not null && planner.FromGeneration == live.Number && planner.Types.From == live.Assembly
            ? planner
            : new MigrationPlanner(live.Assembly, Assembly, live.Number, Generation);
    }

    /// <summary>
    /// Plans the migration from <paramref name="live"/> (off the host's thread): its static fields, and the types it
    /// is likely to meet. Runs none of the library's code; a failure only leaves the planning to the swap.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    [RequiresDynamicCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public void PlanMigration(LiveGeneration live, IEnumerable<Type> likely)
    {
        try
        {
            var planner = new MigrationPlanner(live.Assembly, Assembly, live.Number, Generation);
            planner.PlanAhead(likely);
            Planner = planner;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Planner = null;
        }
    }

    /// <summary>
    /// Loads copy <paramref name="generation"/> and resolves every function in it. A copy that lacks one is refused
    /// as a whole: its context is handed to <paramref name="release"/> and the exception propagates.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public static PreparedGeneration Load(GenerationFolder folder, int generation, ILiveFunction[] functions, Action<int, GenerationLoadContext> release)
    {
        var stopwatch = Stopwatch.StartNew();
        var path = folder.AssemblyPathOf(generation);
        var save = CopyLayout.TryReadSaveTimings(Path.GetDirectoryName(path)!, out var debounce, out var compile)
            ? new SaveTimings(debounce, compile, stopwatch) // the copy appeared just now: its clock runs from here
            : null;
        var context = new GenerationLoadContext(folder.AssemblyName, generation, folder.DependenciesOf(generation));
        try
        {
            var assembly = context.LoadFromAssemblyPath(path);
            var bound = new object[functions.Length];
            for (var i = 0; i < functions.Length; i++)
            {
                bound[i] = functions[i].Resolve(assembly);

                // Compile the entry point now, so the first frame on the new code does not pay for the JIT.
                RuntimeHelpers.PrepareMethod(((Delegate)bound[i]).Method.MethodHandle);
            }

            var hooks = GenerationHooks.Find(assembly);
            return new PreparedGeneration(generation, path, context, assembly, functions, bound, hooks, stopwatch.Elapsed, save);
        }
        catch
        {
            release(generation, context);
            throw;
        }
    }
}
