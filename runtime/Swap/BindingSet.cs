using System.Diagnostics.CodeAnalysis;

namespace HotReload.Runtime;

/// <summary>
/// The entry points the host bound. A swap rebinds them in two phases: resolve all in the new generation (a copy that
/// lacks one is refused as a whole, <c>HR2002</c>), then apply all, which is only field writes.
/// </summary>
internal sealed class BindingSet
{
    private readonly List<ILiveFunction> _functions = [];

    /// <summary>Bind may add one on the host's thread while a copy loads on another.</summary>
    public void Add(ILiveFunction function)
    {
        lock (_functions)
        {
            _functions.Add(function);
        }
    }

    public ILiveFunction[] Snapshot()
    {
        lock (_functions)
        {
            return _functions.ToArray();
        }
    }

    /// <summary>
    /// Every binding's delegate in <paramref name="prepared"/>: those its load resolved already, the ones bound since
    /// then now. Throws <see cref="HotReloadException"/> (<c>HR2002</c>) when one is missing.
    /// </summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public (ILiveFunction[] Functions, object[] Bound) Resolve(PreparedGeneration prepared)
    {
        var functions = Snapshot();
        var bound = new object[functions.Length];
        for (var i = 0; i < functions.Length; i++)
        {
            var index = Array.IndexOf(prepared.Functions, functions[i]);
            bound[i] = index >= 0 ? prepared.Bound[index] : functions[i].Resolve(prepared.Assembly);
        }

        return (functions, bound);
    }

    public static void Apply(ILiveFunction[] functions, object[] bound, int generation)
    {
        for (var i = 0; i < functions.Length; i++)
        {
            functions[i].Apply(bound[i], generation);
        }
    }
}
