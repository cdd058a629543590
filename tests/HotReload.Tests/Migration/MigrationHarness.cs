using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using HotReload.Runtime;

namespace HotReload.Tests.Migration;

/// <summary>
/// Compiles generations of a small library, loads each into its own collectible context (as the runtime does), and
/// migrates the state of one into the next with the runtime's <see cref="StateMigrator"/>.
/// </summary>
internal sealed class MigrationHarness : IDisposable
{
    private readonly CopyCompiler _compiler = new();
    private readonly List<AssemblyLoadContext> _contexts = [];

    /// <summary>Compiles <paramref name="source"/> as generation <paramref name="generation"/> and loads it.</summary>
    public Assembly Load(int generation, string source)
    {
        var name = _compiler.Name + "." + generation;
        var path = Path.Combine(_compiler.Root, generation.ToString(), name + ".dll");
        CopyCompiler.Emit(name, source, path);
        var context = new AssemblyLoadContext(name, isCollectible: true);
        _contexts.Add(context);
        return context.LoadFromAssemblyPath(path);
    }

    /// <summary>Moves the state of <paramref name="from"/> into <paramref name="to"/> and commits it.</summary>
    public static MigrationReport Migrate(Assembly from, Assembly to, params object[] roots)
    {
        var migrator = new StateMigrator(from, to, 1, 2);
        return migrator.Run(roots).Commit();
    }

    /// <summary>Calls a static method of the generation: <c>"Game.Logic.Describe"</c>.</summary>
    public static object? Call(Assembly generation, string method, params object?[] arguments)
    {
        var dot = method.LastIndexOf('.');
        var type = generation.GetType(method[..dot], throwOnError: true)!;
        var target = type.GetMethod(method[(dot + 1)..], BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new MissingMethodException(type.FullName, method[(dot + 1)..]);
        try
        {
            return target.Invoke(null, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    /// <summary>Unloads a generation's context and reports whether it left memory (nothing else holds it).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool Unloads(int index)
    {
        var weak = Release(index);
        for (var i = 0; i < 20 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return !weak.IsAlive;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private WeakReference Release(int index)
    {
        var context = _contexts[index];
        _contexts[index] = null!;
        context.Unload();
        return new WeakReference(context);
    }

    public void Dispose()
    {
        foreach (var context in _contexts)
        {
            context?.Unload();
        }

        _compiler.Dispose();
    }
}
