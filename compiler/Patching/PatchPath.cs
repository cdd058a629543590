using System.Diagnostics;
using System.Globalization;
using HotReload.Sdk.Tasks;

namespace HotReload.Compiler.Patching;

/// <summary>What the patch path made of a save.</summary>
internal enum SaveOutcome
{
    /// <summary>Patched, or it does not compile (reported), or no code changed.</summary>
    Handled,

    /// <summary>The save needs a full copy (the reason, if any, was said).</summary>
    FullCopy,

    /// <summary>The files changed again while the save compiled: nothing was published or reported.</summary>
    Superseded,
}

/// <summary>
/// The compiler's patch path: a save whose edits a patch can carry goes live as patch K of the newest copy, published
/// through the same <see cref="GenerationStore"/> as every copy; any other save (or any doubt) is left to the full copy,
/// with the reason said once to the host. Patches go only to a copy this compiler made and that is still the newest, and
/// only while no host of the library says it cannot apply them (<see cref="PatchlessHosts"/>).
/// </summary>
internal sealed class PatchPath(CompileManifest manifest, GenerationStore store, HostChannel host) : IDisposable
{
    private readonly PatchCompiler _compiler = new();

    // The last host said to be unable to apply patches: said once, not on every save while it runs (it said so itself).
    private string? _patchlessReported;

    /// <summary>
    /// Publishes the save as a patch when it can be one. <paramref name="settled"/> is asked once the patch is compiled,
    /// before anything is published or reported: false when the files changed again meanwhile (the save was taken at its
    /// first event, and was still being written), and the save is then dropped for the newer content.
    /// </summary>
    public SaveOutcome TryPublish(WarmCompilation compilation, Func<bool> settled, TimeSpan debounce, long batchTaken)
    {
        var generation = _compiler.Generation;
        if (generation == 0)
        {
            return SaveOutcome.FullCopy;
        }

        if (PatchlessHosts.FindOne(manifest.PatchlessHostsFolder) is { } patchless)
        {
            var reason = $"the host in process {patchless.Host} cannot apply patches ({patchless.Reason})";
            var repeated = reason == _patchlessReported;
            _patchlessReported = reason;
            return FullCopy(reason, say: !repeated);
        }

        _patchlessReported = null;

        if (store.PublishedGenerations() is not [var newest, ..] || newest != generation)
        {
            return FullCopy($"copy {generation} is no longer the newest");
        }

        var (current, generatorDiagnostics) = compilation.Current(CopyLayout.AssemblyName(manifest.AssemblyName, generation));
        var generatorErrors = generatorDiagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        var attempt = generatorErrors.Count > 0 ? new PatchAttempt.Failed(generatorErrors) : _compiler.Compile(current);
        if (attempt is PatchAttempt.Nothing)
        {
            return SaveOutcome.Handled; // nothing changed that compiles to code
        }

        if (!settled())
        {
            return SaveOutcome.Superseded;
        }

        switch (attempt)
        {
            case PatchAttempt.Patch patch:
                return Publish(patch, debounce, batchTaken);
            case PatchAttempt.Failed failed:
                foreach (var error in failed.Errors)
                {
                    host.Send(CompilerProtocol.Diagnostic, error);
                }

                host.Send(CompilerProtocol.Failed, failed.Errors.Count.ToString(CultureInfo.InvariantCulture));
                return SaveOutcome.Handled;
            default:
                return FullCopy(((PatchAttempt.FullCopy)attempt).Reason);
        }
    }

    /// <summary>The copy the full-copy path just published, emitted here from <paramref name="output"/>: patches go to it.</summary>
    public void StartFrom(int generation, WarmCompilation.Output output)
    {
        if (output.Compilation is null || output.Assembly is null)
        {
            _compiler.Reset();
            return;
        }

        try
        {
            if (_compiler.StartFrom(generation, output.Compilation, output.Assembly, output.Pdb) is { } reason)
            {
                host.Send(CompilerProtocol.Info, $"saves go live as full copies: {reason}");
            }
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException)
        {
            _compiler.Reset();
            host.Send(CompilerProtocol.Info, $"saves go live as full copies: the copy's debug information could not be read ({e.Message})");
        }
    }

    /// <summary>
    /// Takes the newest copy, made by a build, as the copy patches go to, so the first save after the host starts is a
    /// patch too. Only when its PDB proves it was compiled from exactly the sources the warm compilation holds now (each
    /// document's checksum, generated ones included); otherwise the first save is a full copy, as it is without this.
    /// </summary>
    public void AdoptBuiltCopy(WarmCompilation compilation)
    {
        if (_compiler.Generation != 0 || store.PublishedGenerations() is not [var newest, ..])
        {
            return;
        }

        var name = CopyLayout.AssemblyName(manifest.AssemblyName, newest);
        var assemblyPath = Path.Combine(store.FolderOf(newest), name + ".dll");
        var pdbPath = Path.Combine(store.FolderOf(newest), name + ".pdb");
        try
        {
            if (!File.Exists(assemblyPath) || !File.Exists(pdbPath) || new FileInfo(assemblyPath).LinkTarget is not null || new FileInfo(pdbPath).LinkTarget is not null)
            {
                return;
            }

            var assembly = File.ReadAllBytes(assemblyPath);
            var pdb = File.ReadAllBytes(pdbPath);
            var (current, generatorDiagnostics) = compilation.Current(name);
            if (generatorDiagnostics.Any(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error) || !CompiledFrom(current, assembly, pdb))
            {
                return;
            }

            _compiler.StartFrom(newest, current, assembly, pdb);
            _compiler.Ready();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException or InvalidOperationException or ArgumentException)
        {
            _compiler.Reset(); // unreadable or not what it seemed: the first save is a full copy
        }
    }

    /// <summary>True when the copy's PDB lists exactly the documents of <paramref name="compilation"/>, by checksum.</summary>
    public static bool CompiledFrom(Microsoft.CodeAnalysis.Compilation compilation, byte[] assembly, byte[] pdb)
    {
        using var debugInformation = DebugInformation.Read(assembly, pdb);
        var recorded = debugInformation.DocumentChecksums().Select(c => Convert.ToHexString(c.AsSpan())).Order(StringComparer.Ordinal).ToList();
        var current = compilation.SyntaxTrees.Select(t => Convert.ToHexString(t.GetText().GetChecksum().AsSpan())).Order(StringComparer.Ordinal).ToList();
        return recorded.SequenceEqual(current, StringComparer.Ordinal);
    }

    /// <summary>
    /// Throwaway patches of the warm-up's throwaway copy, then the checks and the write of a real save, to nowhere: the
    /// code a save runs through is compiled before the first save (<see cref="PatchCompiler.WarmUp"/>).
    /// </summary>
    public void WarmUp(Microsoft.CodeAnalysis.Compilation compilation, byte[] assembly, byte[] pdb)
    {
        if (PatchCompiler.WarmUp(compilation, assembly, pdb) is not { } patch)
        {
            return;
        }

        PatchlessHosts.FindOne(manifest.PatchlessHostsFolder);
        store.PublishedGenerations();
        new PatchFile(patch.Metadata, patch.IL, patch.Pdb, patch.UpdatedTypeTokens, TimeSpan.Zero, TimeSpan.Zero, patch.Summary).WriteTo(Stream.Null);
    }

    /// <summary>
    /// Readies the copy patches go to for its first patch (<see cref="PatchCompiler.Ready"/>): called once the copy is
    /// published and announced, off the save's path, so its first patch costs what the tenth does.
    /// </summary>
    public void Ready() => _compiler.Ready();

    /// <summary>A copy this compiler did not make (a build's) or a new command line: the next save is a full copy.</summary>
    public void Reset() => _compiler.Reset();

    private SaveOutcome Publish(PatchAttempt.Patch patch, TimeSpan debounce, long batchTaken)
    {
        var file = new PatchFile(patch.Metadata, patch.IL, patch.Pdb, patch.UpdatedTypeTokens, debounce, Stopwatch.GetElapsedTime(batchTaken), patch.Summary);
        try
        {
            store.PublishPatch(patch.Generation, patch.Number, file.WriteTo);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return FullCopy($"patch {patch.Number} of copy {patch.Generation} could not be written ({e.Message})");
        }

        _compiler.Accept(patch);
        host.Send(CompilerProtocol.PatchedLine(patch.Generation, patch.Number));
        return SaveOutcome.Handled;
    }

    private SaveOutcome FullCopy(string reason, bool say = true)
    {
        _compiler.Reset();
        if (say)
        {
            host.Send(CompilerProtocol.Info, $"full copy: {reason}");
        }

        return SaveOutcome.FullCopy;
    }

    public void Dispose() => _compiler.Dispose();
}
