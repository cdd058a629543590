using Microsoft.Build.Framework;

namespace HotReload.Sdk.Tasks;

/// <summary>
/// Runs just before CoreCompile, when it is about to compile: starts the copy's compile from the last compile's
/// arguments, so that it runs side by side with the normal compile on another core. <see cref="CreateReloadableCopy"/>
/// keeps it only if the normal compile used the same arguments and every input still has the content it had when this
/// compile started.
/// </summary>
public sealed class StartReloadableCopy : ReloadableCopyTask
{
    public override bool Execute()
    {
        var arguments = ReadBuildArguments();
        if (arguments is null)
        {
            return true; // first compile: nothing to start from, the copy is compiled after CoreCompile
        }

        // A job this build left (the project built twice in one build): abandoned first, so its number is given back
        // before this one is reserved. One left by an earlier build was abandoned when that build ended.
        PendingCopies.Take(BuildEngine, JobKey)?.Abandon();
        // Never a failure here, before the library itself is compiled: CreateReloadableCopy tries again after the
        // library's output is written, and reports what goes wrong then.
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var job = TryStart(arguments, report: false, snapshotInputs: CompileInputPaths);
        if (job is not null)
        {
            Log.LogMessage(MessageImportance.Low, "Started copy {0} beside the compile in {1} ms, after recording the content of its {2} input files.",
                job.Generation, stopwatch.ElapsedMilliseconds, job.Inputs?.Count ?? 0);
            PendingCopies.Add(BuildEngine, JobKey, job);
        }

        return true;
    }
}
