using Microsoft.Build.Framework;

namespace HotReload.Sdk.Tasks;

/// <summary>What both halves of the copy compile need: where the build's arguments are, and where the copy goes.</summary>
public abstract class ReloadableCopyTask : Microsoft.Build.Utilities.Task
{
    /// <summary>The compiler arguments of the last compile (one per line), saved by the build after CoreCompile.</summary>
    [Required] public string ResponseFile { get; set; } = "";

    [Required] public string AssemblyName { get; set; } = "";

    /// <summary>The project's compiled assembly (obj/): identifies the project between the two tasks.</summary>
    [Required] public string IntermediateAssembly { get; set; } = "";

    /// <summary>The folder of numbered copies.</summary>
    [Required] public string OutputDirectory { get; set; } = "";

    /// <summary>Remembers the last number handed out, so numbers never repeat.</summary>
    [Required] public string CounterFile { get; set; } = "";

    [Required] public string CompilerPath { get; set; } = "";

    [Required] public string DotNetHostPath { get; set; } = "";

    public bool UseSharedCompilation { get; set; }

    /// <summary>
    /// CoreCompile's input files: the copy started before it records their content, and is kept only if the content
    /// is still the same after it.
    /// </summary>
    public ITaskItem[] CompileInputs { get; set; } = [];

    private protected IReadOnlyList<string> CompileInputPaths => CompileInputs.Select(item => item.GetMetadata("FullPath")).ToArray();

    /// <summary>The folder the build's relative paths (sources, obj/) are relative to: the compiler runs there.</summary>
    [Required] public string ProjectDirectory { get; set; } = "";

    private protected string JobKey => Path.GetFullPath(IntermediateAssembly);

    private protected GenerationStore Store => new(OutputDirectory, CounterFile);

    private protected CopyJob.Settings Settings =>
        new(AssemblyName, DotNetHostPath, CompilerPath, ProjectDirectory, UseSharedCompilation);

    /// <summary>HR1002's advice, for the cause found: a file where a folder must be, missing rights, or another.</summary>
    internal static string WhatToDo(string outputDirectory, Exception e)
    {
        for (var path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDirectory)); !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return $"'{path}' is a file where a folder must be: move it away, or set HotReloadOutputPath to another folder.";
            }
        }

        return e is UnauthorizedAccessException
            ? "Make the folder writable for this user, or set HotReloadOutputPath to a writable folder."
            : "Check the disk and the folder, or set HotReloadOutputPath to another folder.";
    }

    private protected IReadOnlyList<string>? ReadBuildArguments() => RecordedCommandLine.ReadArguments(ResponseFile);

    /// <summary>
    /// Report a failure of the copy as a warning rather than an error (HotReloadCopyErrorsAsWarnings): the library's own
    /// build is never harmed by its copy either way, since the copy is completed after the library's output is written.
    /// </summary>
    public bool FailuresAsWarnings { get; set; }

    /// <summary>
    /// Starts a copy, or reports (when <paramref name="report"/>) and returns null: HR1002 when the folder of copies
    /// cannot be written, HR1010 when no next copy number fits.
    /// </summary>
    private protected CopyJob? TryStart(IReadOnlyList<string> buildArguments, bool report = true, IReadOnlyList<string>? snapshotInputs = null)
    {
        try
        {
            return CopyJob.Start(Store, Settings, buildArguments, snapshotInputs);
        }
        catch (CopyNumbersExhaustedException e)
        {
            if (report)
            {
                ReportFailure(CopyNumbersExhaustedException.Code, e.Path, "{0}", e.Message);
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (report)
            {
                ReportFailure("HR1002", OutputDirectory, "Cannot write the reloadable copy to '{0}': {1} {2}", OutputDirectory, e.Message, WhatToDo(OutputDirectory, e));
            }

            return null;
        }
    }

    /// <summary>An HR error about the copy, or a warning with <see cref="FailuresAsWarnings"/>.</summary>
    private protected void ReportFailure(string code, string file, string message, params object[] arguments)
    {
        if (FailuresAsWarnings)
        {
            Log.LogWarning(null, code, null, file, 0, 0, 0, 0, message, arguments);
        }
        else
        {
            Log.LogError(null, code, null, file, 0, 0, 0, 0, message, arguments);
        }
    }
}
