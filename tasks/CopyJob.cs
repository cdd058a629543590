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

    private CopyJob(GenerationStore store, IReadOnlyList<string> buildArguments, int generation, string staging, string assemblyPath, CompilerProcess compiler, DateTime startedUtc)
    {
        _store = store;
        BuildArguments = buildArguments;
        Generation = generation;
        StagingFolder = staging;
        StagedAssembly = assemblyPath;
        _compiler = compiler;
        StartedUtc = startedUtc;
    }

    /// <summary>The build's compiler arguments this copy was compiled from.</summary>
    public IReadOnlyList<string> BuildArguments { get; }

    public int Generation { get; }

    public string StagingFolder { get; }

    public string StagedAssembly { get; }

    /// <summary>When the compiler started reading its inputs; an input written later means the copy may be stale.</summary>
    public DateTime StartedUtc { get; }

    public sealed record Settings(string AssemblyName, string DotNetHostPath, string CompilerPath, string WorkingDirectory, bool UseServer);

    /// <exception cref="IOException">The staging folder could not be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The staging folder could not be created.</exception>
    public static CopyJob Start(GenerationStore store, Settings settings, IReadOnlyList<string> buildArguments)
    {
        var startedUtc = DateTime.UtcNow;
        var generation = store.ReserveNext();
        var staging = store.CreateStagingFolder();
        var copyName = settings.AssemblyName + "." + generation.ToString(CultureInfo.InvariantCulture);
        var assembly = Path.Combine(staging, copyName + ".dll");
        var arguments = new CompilerArguments(buildArguments);

        var responseFile = ResponseFileOf(staging);
        File.WriteAllLines(responseFile, arguments.ForCopy(assembly, Path.Combine(staging, copyName + ".pdb")));
        var compiler = CompilerProcess.Start(settings.DotNetHostPath, settings.CompilerPath, settings.WorkingDirectory, responseFile, arguments.NoConfig, settings.UseServer);
        return new CopyJob(store, buildArguments, generation, staging, assembly, compiler, startedUtc);
    }

    public CompilerProcess.Result Wait(CancellationToken cancellation)
    {
        var result = _compiler.WaitForExit(cancellation);
        TryDelete(ResponseFileOf(StagingFolder));
        return result;
    }

    /// <summary>Stops the compile, removes what it wrote, gives its number back if it can, and disposes the job.</summary>
    public void Abandon()
    {
        _compiler.Kill();
        _compiler.WaitForExit(CancellationToken.None);
        TryDelete(ResponseFileOf(StagingFolder));
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

    public void DeleteStaging()
    {
        try
        {
            if (Directory.Exists(StagingFolder))
            {
                Directory.Delete(StagingFolder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Pruned later: staging folders older than a minute are removed after each copy.
        }
    }

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

    public void Dispose() => _compiler.Dispose();
}
