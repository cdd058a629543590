using System.Diagnostics;
using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace HotReload.Sdk.Tasks;

/// <summary>
/// Compiles the project a second time, with the build's own compiler command line, as <c>AssemblyName.N</c>
/// into <c>bin/reloaded/N/</c>. The .NET counterpart of the original example's build.rs.
/// </summary>
public sealed class CreateReloadableCopy : Microsoft.Build.Utilities.Task, ICancelableTask
{
    internal const string DependencyListFileName = "dependencies.txt";

    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>The compiler arguments of the last compile (one per line), saved by the build after CoreCompile.</summary>
    [Required] public string ResponseFile { get; set; } = "";

    [Required] public string AssemblyName { get; set; } = "";

    /// <summary>The folder of numbered copies.</summary>
    [Required] public string OutputDirectory { get; set; } = "";

    /// <summary>Remembers the last number handed out, so numbers never repeat.</summary>
    [Required] public string CounterFile { get; set; } = "";

    [Required] public string CompilerPath { get; set; } = "";

    [Required] public string DotNetHostPath { get; set; } = "";

    public int KeepCopies { get; set; } = 10;

    public bool UseSharedCompilation { get; set; }

    /// <summary>Runtime assemblies the project depends on; the host loads those it lacks itself from these paths.</summary>
    public ITaskItem[] RuntimeDependencies { get; set; } = [];

    [Output] public int Generation { get; private set; }

    [Output] public string CopyPath { get; private set; } = "";

    public void Cancel() => _cancellation.Cancel();

    public override bool Execute()
    {
        var stopwatch = Stopwatch.StartNew();
        if (!File.Exists(ResponseFile))
        {
            Log.LogError(null, "HR1007", null, ResponseFile, 0, 0, 0, 0,
                "The compiler command line of '{0}' was not recorded at '{1}'. Rebuild the project (dotnet build --no-incremental) so the compile runs once with HotReload.Sdk loaded.",
                AssemblyName, ResponseFile);
            return false;
        }

        if (!File.Exists(CompilerPath))
        {
            Log.LogError(null, "HR1008", null, CompilerPath, 0, 0, 0, 0,
                "The C# compiler was not found at '{0}'. Check that RoslynTargetsPath points at a compiler, or repair the .NET SDK.",
                CompilerPath);
            return false;
        }

        var store = new GenerationStore(OutputDirectory, CounterFile);
        string staging;
        try
        {
            staging = store.CreateStagingFolder();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogError(null, "HR1002", null, OutputDirectory, 0, 0, 0, 0,
                "Cannot write the reloadable copy to '{0}': {1} Make the folder writable, or set HotReloadOutputPath to a writable folder.",
                OutputDirectory, e.Message);
            return false;
        }

        try
        {
            return CompileAndPublish(store, staging, stopwatch);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                try { Directory.Delete(staging, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }

    private bool CompileAndPublish(GenerationStore store, string staging, Stopwatch stopwatch)
    {
        var generation = store.NextGeneration();
        var copyName = AssemblyName + "." + generation.ToString(CultureInfo.InvariantCulture);
        var arguments = new CompilerArguments(File.ReadAllLines(ResponseFile).Where(l => l.Length > 0).ToArray());
        var stagedAssembly = Path.Combine(staging, copyName + ".dll");
        var responseFile = Path.Combine(staging, copyName + ".rsp");
        File.WriteAllLines(responseFile, arguments.ForCopy(stagedAssembly, Path.Combine(staging, copyName + ".pdb")));

        var compiler = new CompilerProcess(DotNetHostPath, CompilerPath);
        var result = compiler.Run(Directory.GetCurrentDirectory(), responseFile, arguments.NoConfig, UseSharedCompilation, _cancellation.Token);
        if (_cancellation.IsCancellationRequested)
        {
            return false;
        }

        if (result.ExitCode != 0 || !File.Exists(stagedAssembly))
        {
            ReportCompileFailure(result);
            return false;
        }

        File.Delete(responseFile);
        WriteDependencyList(Path.Combine(staging, DependencyListFileName));

        try
        {
            store.Publish(staging, generation);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogError(null, "HR1002", null, store.Root, 0, 0, 0, 0,
                "Cannot publish the reloadable copy {0} in '{1}': {2}", generation, store.Root, e.Message);
            return false;
        }

        Generation = generation;
        CopyPath = Path.Combine(store.FolderOf(generation), copyName + ".dll");
        Log.LogMessage(MessageImportance.High, "{0} -> {1} (reloadable copy {2}, {3} ms)",
            AssemblyName, CopyPath, generation, stopwatch.ElapsedMilliseconds);

        foreach (var deleted in store.Prune(KeepCopies, (folder, e) =>
                     Log.LogMessage(MessageImportance.Normal, "Could not prune '{0}': {1}", folder, e.Message)))
        {
            Log.LogMessage(MessageImportance.Normal, "Pruned old reloadable copy '{0}'.", deleted);
        }

        return true;
    }

    private void ReportCompileFailure(CompilerProcess.Result result)
    {
        // The normal compile succeeded with the same inputs, so its warnings were already reported: pass on
        // only the compiler's errors, in its own format, so they show up as errors with file and line.
        foreach (var line in result.Output.Where(l => l.Contains(": error ", StringComparison.Ordinal)))
        {
            Log.LogMessageFromText(line, MessageImportance.High);
        }

        Log.LogError(null, "HR1001", null, ResponseFile, 0, 0, 0, 0,
            "Compiling the reloadable copy of '{0}' failed (compiler exit code {1}) although the normal compile succeeded. The running program keeps its last good copy. The usual cause is an [InternalsVisibleTo(\"{0}\")] in a referenced project: also grant it to the numbered names, or make the members public. Compiler output:{2}{3}",
            AssemblyName, result.ExitCode, Environment.NewLine, string.Join(Environment.NewLine, result.Output));
    }

    private void WriteDependencyList(string path)
    {
        var lines = RuntimeDependencies
            .Select(item => item.GetMetadata("FullPath"))
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(p => p, StringComparer.Ordinal);
        File.WriteAllLines(path, lines);
    }
}
