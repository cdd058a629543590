using System.Diagnostics;
using Microsoft.Build.Framework;

namespace HotReload.Sdk.Tasks;

/// <summary>
/// Compiles the project a second time, with the build's own compiler command line, as <c>AssemblyName.N</c> into
/// <c>bin/reloaded/N/</c>, the .NET counterpart of the original example's build.rs. Uses the compile that
/// <see cref="StartReloadableCopy"/> started when it is still valid; compiles now otherwise.
/// </summary>
public sealed class CreateReloadableCopy : ReloadableCopyTask, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    public int KeepCopies { get; set; } = 10;

    /// <summary>Runtime assemblies the project depends on; the host loads those it lacks itself from these paths, if they still have the hash written beside the copy.</summary>
    public ITaskItem[] RuntimeDependencies { get; set; } = [];

    [Output] public int Generation { get; private set; }

    [Output] public string CopyPath { get; private set; } = "";

    /// <summary>Whether the copy came from the compile started before CoreCompile (for logs and benchmarks).</summary>
    [Output] public bool UsedEarlyCompile { get; private set; }

    public void Cancel() => _cancellation.Cancel();

    public override bool Execute()
    {
        var stopwatch = Stopwatch.StartNew();
        var early = PendingCopies.Take(BuildEngine, JobKey);
        RemoveAbandonedStaging();
        ReportSkippedFolders();
        var arguments = ReadBuildArguments();
        if (arguments is null)
        {
            early?.Abandon();
            ReportFailure("HR1007", ResponseFile,
                "The compiler command line of '{0}' was not recorded at '{1}'. Rebuild the project once (dotnet build --no-incremental).",
                AssemblyName, ResponseFile);
            return !Log.HasLoggedErrors; // a warning (HotReloadCopyErrorsAsWarnings) does not fail the build
        }

        if (!File.Exists(CompilerPath))
        {
            early?.Abandon();
            ReportFailure("HR1008", CompilerPath,
                "The C# compiler was not found at '{0}'. Repair the .NET SDK, or set HotReloadCompilerPath to csc.dll.",
                CompilerPath);
            return !Log.HasLoggedErrors; // a warning (HotReloadCopyErrorsAsWarnings) does not fail the build
        }

        var job = early;
        if (job is not null && WhyStale(job, arguments) is { } reason)
        {
            Log.LogMessage(MessageImportance.Normal, "The copy compiled alongside the compile is stale ({0}); compiling it again.", reason);
            job.Abandon();
            job = null;
        }

        job ??= TryStart(arguments);
        if (job is null)
        {
            return !Log.HasLoggedErrors; // a warning (HotReloadCopyErrorsAsWarnings) does not fail the build
        }

        using (job)
        {
            UsedEarlyCompile = ReferenceEquals(job, early);
            return Complete(job, stopwatch);
        }
    }

    /// <summary>What killed builds and compilers left, removed by the next build whether or not its copy succeeds.</summary>
    private void RemoveAbandonedStaging()
    {
        try
        {
            foreach (var deleted in Store.RemoveAbandonedStaging((folder, e) =>
                         Log.LogMessage(MessageImportance.Normal, "Could not remove the abandoned staging folder '{0}': {1}", folder, e.Message)))
            {
                Log.LogMessage(MessageImportance.Normal, "Removed the staging folder '{0}', left by a build or compiler that was stopped.", deleted);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the folder of copies cannot be read: making the copy reports it (HR1002)
        }
    }

    /// <summary>HR1011: folders in the folder of copies that are not copies, which numbering and pruning pass over.</summary>
    private void ReportSkippedFolders()
    {
        try
        {
            if (Store.SkippedFoldersReport() is { } report)
            {
                Log.LogWarning(null, GenerationStore.SkippedFoldersCode, null, OutputDirectory, 0, 0, 0, 0, "{0}", report);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the folder of copies cannot be read: making the copy reports it (HR1002)
        }
    }

    private string? WhyStale(CopyJob job, IReadOnlyList<string> arguments)
    {
        if (!job.BuildArguments.SequenceEqual(arguments, StringComparer.Ordinal))
        {
            return "the compiler arguments changed";
        }

        var stopwatch = Stopwatch.StartNew();
        var reason = job.Inputs is null ? "its inputs were not recorded" : job.Inputs.WhyStale(CompileInputPaths);
        Log.LogMessage(MessageImportance.Low, "Compared the content of {0} compile inputs with the early copy's in {1} ms.", CompileInputs.Length, stopwatch.ElapsedMilliseconds);
        return reason;
    }

    private bool Complete(CopyJob job, Stopwatch stopwatch)
    {
        var result = job.Wait(_cancellation.Token);
        if (_cancellation.IsCancellationRequested)
        {
            job.DeleteStaging();
            return false;
        }

        if (result.ExitCode != 0 || !File.Exists(job.StagedAssembly))
        {
            job.DeleteStaging();
            ReportCompileFailure(result);
            return !Log.HasLoggedErrors; // a warning (HotReloadCopyErrorsAsWarnings) does not fail the build
        }

        var store = Store;
        try
        {
            // Each with the hash of the file this build resolved: the runtime loads nothing else under that name.
            CopyLayout.WriteDependencyList(job.Staging.Path, RuntimeDependencies.Select(item => item.GetMetadata("FullPath")), CopyLayout.Sha256Of);
            store.Publish(job.Staging, job.Generation);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            job.DeleteStaging();
            ReportFailure("HR1002", store.Root,
                "Cannot publish the reloadable copy {0} in '{1}': {2} {3}", job.Generation, store.Root, e.Message, WhatToDo(store.Root, e));
            return !Log.HasLoggedErrors; // a warning (HotReloadCopyErrorsAsWarnings) does not fail the build
        }

        Generation = job.Generation;
        CopyPath = Path.Combine(store.FolderOf(job.Generation), Path.GetFileName(job.StagedAssembly));
        Log.LogMessage(MessageImportance.High, "{0} -> {1} (reloadable copy {2}, {3} ms after the compile{4})",
            AssemblyName, CopyPath, Generation, stopwatch.ElapsedMilliseconds, UsedEarlyCompile ? ", compiled alongside it" : "");

        foreach (var deleted in store.Prune(KeepCopies, (folder, e) =>
                     Log.LogMessage(MessageImportance.Normal, "Could not prune '{0}': {1}", folder, e.Message)))
        {
            Log.LogMessage(MessageImportance.Normal, "Pruned old reloadable copy '{0}'.", deleted);
        }

        return true;
    }

    /// <summary>
    /// HR1001's text, naming the cause the compiler's output shows: InternalsVisibleTo only when it reports CS0122
    /// (a member of a referenced project inaccessible to the copy's name); a compiler that ended with no error (killed,
    /// out of memory) is said to be that.
    /// </summary>
    internal static string CopyFailureMessage(string assemblyName, int exitCode, IReadOnlyList<string> output)
    {
        var intro = $"Compiling the reloadable copy of '{assemblyName}' failed (compiler exit code {exitCode}) although the normal compile succeeded. The running program keeps its last good copy.";
        var cause = output.Any(l => l.Contains(": error CS0122:", StringComparison.Ordinal))
            ? $" The compiler reports CS0122: a referenced project grants [InternalsVisibleTo(\"{assemblyName}\")], which the copy's name ({assemblyName}.N) does not match. Make those members public, or grant them to the copies too."
            : !output.Any(l => l.Contains(": error ", StringComparison.Ordinal))
                ? " The compiler reported no error: it was stopped (killed, or out of memory). Build again."
                : " Build again; if it fails again, report the compiler's errors above: the copy compiles the normal compile's own command line.";
        var shown = output.Count == 0 ? " The compiler wrote nothing." : " Compiler output:" + Environment.NewLine + string.Join(Environment.NewLine, output);
        return intro + cause + shown;
    }

    private void ReportCompileFailure(CompilerProcess.Result result)
    {
        // The normal compile succeeded with the same inputs, so its warnings were already reported: pass on
        // only the compiler's errors, in its own format, so they show up as errors with file and line.
        // With HotReloadCopyErrorsAsWarnings they come as warnings, still with file and line.
        foreach (var line in result.Output.Where(l => l.Contains(": error ", StringComparison.Ordinal)))
        {
            Log.LogMessageFromText(FailuresAsWarnings ? line.Replace(": error ", ": warning ", StringComparison.Ordinal) : line, MessageImportance.High);
        }

        ReportFailure("HR1001", ResponseFile, "{0}", CopyFailureMessage(AssemblyName, result.ExitCode, result.Output));
    }
}
