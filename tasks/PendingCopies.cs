using Microsoft.Build.Framework;

namespace HotReload.Sdk.Tasks;

/// <summary>
/// Copies started before CoreCompile, waiting for the task after it. They cross from one task to the next through the
/// build engine (<see cref="IBuildEngine4.RegisterTaskObject"/>), registered for the build's lifetime: when a build ends
/// without taking its job (CoreCompile failed, the build was cancelled), MSBuild disposes it, and disposing a job that
/// was never taken abandons it (its compiler killed, its staging folder deleted, its number given back).
/// </summary>
internal static class PendingCopies
{
    private static string KeyOf(string intermediateAssembly) => "HotReload.Sdk.PendingCopy:" + intermediateAssembly;

    public static void Add(IBuildEngine engine, string intermediateAssembly, CopyJob job)
    {
        Take(engine, intermediateAssembly)?.Abandon(); // one pending copy per project
        ((IBuildEngine4)engine).RegisterTaskObject(KeyOf(intermediateAssembly), new Pending(job), RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
    }

    public static CopyJob? Take(IBuildEngine engine, string intermediateAssembly)
    {
        var pending = ((IBuildEngine4)engine).UnregisterTaskObject(KeyOf(intermediateAssembly), RegisteredTaskObjectLifetime.Build) as Pending;
        return pending?.Take();
    }

    /// <summary>What the engine holds: the job until a task takes it; disposed by the engine at the end of the build.</summary>
    private sealed class Pending(CopyJob job) : IDisposable
    {
        private CopyJob? _job = job;

        public CopyJob? Take() => Interlocked.Exchange(ref _job, null);

        public void Dispose() => Take()?.Abandon();
    }
}
