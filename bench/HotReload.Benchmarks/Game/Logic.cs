using System.Runtime.CompilerServices;

namespace Game;

/// <summary>
/// The reloadable library's entry point. Linked into the benchmark, it is the statically linked library; embedded
/// as a resource, it is also the source of every copy (see CopyCompiler), which only changes the increment.
/// </summary>
public static class Logic
{
    // NoInlining: the direct baseline must be a real call, as it would be across assemblies in a real host.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Step(Counter counter)
    {
        counter.Value += 1;
        return counter.Value;
    }
}
