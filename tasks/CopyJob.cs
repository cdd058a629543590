using System.Globalization;

namespace HotReload.Sdk.Tasks;

/// <summary>
/// One compile of a numbered copy into a staging folder: started, then either completed (waited for and published
/// by the caller) or abandoned (killed, staging deleted). The generation number is chosen at the start because it
/// is baked into the assembly name.
/// </summary>
internal sealed class CopyJob : IDisposable
{
    private readonly CompilerProcess _compiler;

    private readonly GenerationStore _store;

    private readonly StagingFolder _staging;

    private CopyJob(GenerationStore store, IReadOnlyList<string> buildArguments, int generation, StagingFolder staging, string assemblyPath, CompilerProcess compiler, InputSnapshot? inputs)
    {
        _store = store;
        BuildArguments = buildArguments;
        Generation = generation;
        _staging = staging;
        StagedAssembly = assemblyPath;
        _compiler = compiler;
        Inputs = inputs;
    }

    /// <summary>The build's compiler arguments this copy was compiled from.</summary>
    public IReadOnlyList<string> BuildArguments { get; }

    public int Generation { get; }

    /// <summary>Held by this job (no prune deletes it) until it is published, or the job is abandoned or disposed.</summary>
    public StagingFolder Staging => _staging;

    public string StagedAssembly { get; }

    /// <summary>
    /// The content of the input files, taken just before the compiler started (it reads them after): null unless asked
    /// for. An input whose content differs later means the copy may not be theirs.
    /// </summary>
    public InputSnapshot? Inputs { get; }

    public sealed record Settings(string AssemblyName, string DotNetHostPath, string CompilerPath, string WorkingDirectory, bool UseServer);

    /// <exception cref="IOException">The staging folder could not be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The staging folder could not be created.</exception>
    /// <param name="snapshotInputs">Files whose content to record before the compiler starts (<see cref="Inputs"/>).</param>
    /// <exception cref="CopyNumbersExhaustedException">No next copy number fits (HR1010).</exception>
    public static CopyJob Start(GenerationStore store, Settings settings, IReadOnlyList<string> buildArguments, IReadOnlyList<string>? snapshotInputs = null)
    {
        var generation = store.ReserveNext();
        var staging = store.CreateStagingFolder();
        try
        {
            var copyName = settings.AssemblyName + "." + generation.ToString(CultureInfo.InvariantCulture);
            var assembly = Path.Combine(staging.Path, copyName + ".dll");
            var arguments = new CompilerArguments(buildArguments);

            var responseFile = ResponseFileOf(staging.Path);
            File.WriteAllLines(responseFile, arguments.ForCopy(assembly, Path.Combine(staging.Path, copyName + ".pdb")));
            // Last before the compiler: whatever is written from here on differs from the snapshot.
            var inputs = snapshotInputs is null ? null : InputSnapshot.Take(snapshotInputs);
            var compiler = CompilerProcess.Start(settings.DotNetHostPath, settings.CompilerPath, settings.WorkingDirectory, responseFile, arguments.NoConfig, settings.UseServer);
            return new CopyJob(store, buildArguments, generation, staging, assembly, compiler, inputs);
        }
        catch
        {
            staging.Dispose(); // nothing will publish it: deleted now, not left for a prune
            throw;
        }
    }

    public CompilerProcess.Result Wait(CancellationToken cancellation)
    {
        var result = _compiler.WaitForExit(cancellation);
        TryDelete(ResponseFileOf(_staging.Path));
        return result;
    }

    /// <summary>Stops the compile, removes what it wrote, gives its number back if it can, and disposes the job.</summary>
    public void Abandon()
    {
        _compiler.Kill();
        _compiler.WaitForExit(CancellationToken.None);
        DeleteStaging();
        try
        {
            _store.Unreserve(Generation);
        }
        catch (IOException)
        {
            // the number stays used: a gap, never a repeat
        }

        Dispose();
    }

    /// <summary>For a copy that will not be published (failed, cancelled): deleted now, and the writer's hold ended.</summary>
    public void DeleteStaging() => _staging.Dispose();

    // Inside the staging folder, and deleted before it is published.
    private static string ResponseFileOf(string staging) => Path.Combine(staging, "copy.rsp");

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    public void Dispose()
    {
        _compiler.Dispose();
        _staging.Dispose(); // a copy never published goes with its job; a published one has left the staging folder
    }
}
