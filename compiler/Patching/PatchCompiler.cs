using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;

namespace HotReload.Compiler.Patching;

/// <summary>What a save became on the patch path.</summary>
internal abstract record PatchAttempt
{
    /// <summary>
    /// Patch <paramref name="Number"/> of copy <paramref name="Generation"/>, to publish and then accept
    /// (<see cref="PatchCompiler.Accept"/>); one never accepted leaves the copy's baseline where it was.
    /// </summary>
    public sealed record Patch(int Generation, int Number, byte[] Metadata, byte[] IL, byte[] Pdb, int[] UpdatedTypeTokens, string Summary) : PatchAttempt
    {
        /// <summary>What the baseline becomes once this patch is accepted: the emit's baseline and the save's compilation.</summary>
        internal (EmitBaseline EmitBaseline, Compilation Compilation) Next { get; init; }
    }

    /// <summary>The save needs a full copy, for this reason.</summary>
    public sealed record FullCopy(string Reason) : PatchAttempt;

    /// <summary>The save does not compile: these errors, in the compiler's format.</summary>
    public sealed record Failed(IReadOnlyList<string> Errors) : PatchAttempt;

    /// <summary>No code changed (a comment on the same line): nothing to publish.</summary>
    public sealed record Nothing : PatchAttempt;
}

/// <summary>
/// Compiles saves as patches of the live copy: keeps the copy's <see cref="EmitBaseline"/> (its metadata, the
/// compilation it came from, its PDB's edit-and-continue records), asks <see cref="EditClassifier"/> what the save
/// changed, and emits only that with <see cref="Compilation.EmitDifference(EmitBaseline, IEnumerable{SemanticEdit}, Func{ISymbol, bool}, Stream, Stream, Stream, CancellationToken)"/>.
/// Each published patch's result is the baseline of the next.
/// </summary>
internal sealed class PatchCompiler : IDisposable
{
    /// <summary>Patches on one copy before a full copy: the runtime keeps every patched method's old IL, so memory grows with them.</summary>
    public const int MostPatchesPerCopy = 100;

    private Baseline? _baseline;

    private sealed class Baseline(int generation, Compilation compilation, EmitBaseline emitBaseline, DebugInformation debugInformation) : IDisposable
    {
        public int Generation { get; } = generation;

        public Compilation Compilation { get; set; } = compilation;

        public EmitBaseline EmitBaseline { get; set; } = emitBaseline;

        public int Patches { get; set; }

        public void Dispose() => debugInformation.Dispose();
    }

    /// <summary>The copy patches go to, or 0 when the next save is a full copy.</summary>
    public int Generation => _baseline?.Generation ?? 0;

    /// <summary>
    /// Patches go to copy <paramref name="generation"/> from now on: emitted from <paramref name="compilation"/> as
    /// <paramref name="assembly"/> with its portable <paramref name="pdb"/>. Without a portable PDB (none, or embedded
    /// in the assembly) saves stay full copies, and the reason is returned.
    /// </summary>
    public string? StartFrom(int generation, Compilation compilation, byte[] assembly, byte[]? pdb)
    {
        Reset();
        if (pdb is null)
        {
            return "the library's build writes no separate portable PDB (DebugType portable), which patches need";
        }

        var debugInformation = DebugInformation.Read(assembly, pdb);
        try
        {
            var emitBaseline = EmitBaseline.CreateInitialBaseline(compilation, ModuleMetadata.CreateFromImage(assembly),
                debugInformation.MethodInformation, debugInformation.LocalSignature, hasPortableDebugInformation: true);
            _baseline = new Baseline(generation, compilation, emitBaseline, debugInformation);
            return null;
        }
        catch
        {
            debugInformation.Dispose();
            throw;
        }
    }

    /// <summary>No copy to patch: the next save is a full copy (a build's copy, a new command line).</summary>
    public void Reset()
    {
        _baseline?.Dispose();
        _baseline = null;
    }

    /// <summary>
    /// The save, compiled from <paramref name="current"/> (the warm compilation as the baseline's copy, with the
    /// generators' output), as a patch if it can be one. The baseline does not move: a patch that is published is then
    /// given to <see cref="Accept"/>, and one dropped (a newer save came while it compiled) is simply forgotten, so the
    /// next patch carries its edits too.
    /// </summary>
    public PatchAttempt Compile(Compilation current, CancellationToken cancel = default)
    {
        if (_baseline is not { } baseline)
        {
            return new PatchAttempt.FullCopy("no copy this compiler made is live to patch");
        }

        if (baseline.Patches >= MostPatchesPerCopy)
        {
            return new PatchAttempt.FullCopy($"{MostPatchesPerCopy} patches on copy {baseline.Generation}: a full copy bounds the memory they take");
        }

        var plan = EditClassifier.Classify(baseline.Compilation, current);
        if (plan.FullCopyReason is { } reason)
        {
            return new PatchAttempt.FullCopy(reason);
        }

        if (plan.Edits.Count == 0)
        {
            return new PatchAttempt.Nothing();
        }

        var inserted = plan.Edits.Where(e => e.Kind == SemanticEditKind.Insert).Select(e => e.NewSymbol!).ToHashSet(SymbolEqualityComparer.Default);
        using var metadata = new MemoryStream();
        using var il = new MemoryStream();
        using var pdb = new MemoryStream();
        var result = current.EmitDifference(baseline.EmitBaseline, plan.Edits, symbol => IsAdded(symbol, inserted), metadata, il, pdb, cancel);
        if (!result.Success)
        {
            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            return errors.Count > 0 && errors.All(d => d.Location.IsInSource)
                ? new PatchAttempt.Failed(errors.Select(d => d.ToString()).Distinct().ToList())
                : new PatchAttempt.FullCopy("the patch could not be emitted (" + (errors.FirstOrDefault()?.GetMessage() ?? "no diagnostic") + ")");
        }

        var metadataBytes = metadata.ToArray();
        if (AddsFieldToExistingType(metadataBytes))
        {
            // The runtime cannot add a static field to a type of a collectible context (it faults); a new lambda's
            // cache is one. Instance fields in existing objects would start at their default, not their initializer.
            return new PatchAttempt.FullCopy("a field would be added to an existing type (a new lambda or captured variable)");
        }

        var tokens = result.ChangedTypes.Select(t => MetadataTokens.GetToken(t)).ToArray();
        return new PatchAttempt.Patch(baseline.Generation, baseline.Patches + 1, metadataBytes, il.ToArray(), pdb.ToArray(), tokens, plan.Summary)
        {
            Next = (result.Baseline!, current),
        };
    }

    /// <summary>
    /// <paramref name="patch"/> was published: the next patch is compiled against it. Only the patch compiled last
    /// against the current baseline can be accepted; any other is a bug in the caller.
    /// </summary>
    /// <exception cref="InvalidOperationException">The patch is not the next one of the current baseline.</exception>
    public void Accept(PatchAttempt.Patch patch)
    {
        if (_baseline is not { } baseline || patch.Generation != baseline.Generation || patch.Number != baseline.Patches + 1)
        {
            throw new InvalidOperationException($"patch {patch.Number} of copy {patch.Generation} is not the next patch of copy {Generation}");
        }

        (baseline.EmitBaseline, baseline.Compilation) = patch.Next;
        baseline.Patches++;
    }

    /// <summary>
    /// Readies the copy patches now go to, so that its first patch costs what the tenth does (the first save after the
    /// host starts, the first after a full copy): the copy's symbols are created (the first patch compares its old members
    /// with the save's), and an empty patch is emitted and thrown away, which reads the copy's metadata into the
    /// baseline once for every patch after it. Nothing is published and the baseline is not advanced. Never throws.
    /// </summary>
    public void Ready(CancellationToken cancel = default)
    {
        if (_baseline is not { } baseline)
        {
            return;
        }

        try
        {
            var types = new Stack<INamespaceOrTypeSymbol>([baseline.Compilation.Assembly.GlobalNamespace]);
            while (types.TryPop(out var container) && !cancel.IsCancellationRequested)
            {
                foreach (var member in container.GetMembers())
                {
                    if (member is INamespaceOrTypeSymbol inner)
                    {
                        types.Push(inner);
                    }
                }
            }

            using var metadata = new MemoryStream();
            using var il = new MemoryStream();
            using var pdb = new MemoryStream();
            baseline.Compilation.EmitDifference(baseline.EmitBaseline, [], _ => false, metadata, il, pdb, cancel);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // readying only: the real patch reports what goes wrong
        }
    }

    /// <summary>
    /// Throwaway patches of a throwaway copy (a method body given an empty statement, then two), so the first real
    /// patch runs as fast as the tenth: the classification, the emit of differences and the symbol matching are compiled
    /// by then. Never throws.
    /// </summary>
    /// <returns>The last throwaway patch, to warm up its publication with; null when none was made.</returns>
    public static PatchAttempt.Patch? WarmUp(Compilation compilation, byte[] assembly, byte[] pdb)
    {
        try
        {
            using var warm = new PatchCompiler();
            if (warm.StartFrom(1, compilation, assembly, pdb) is not null)
            {
                return null;
            }

            var body = compilation.SyntaxTrees
                .SelectMany(t => t.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.BaseMethodDeclarationSyntax>())
                .Select(m => m.Body)
                .FirstOrDefault(b => b is not null);
            if (body is null)
            {
                return null;
            }

            var tree = body.SyntaxTree;
            var text = tree.GetText();
            PatchAttempt? last = null;
            for (var statements = 1; statements <= 2; statements++)
            {
                var edited = text.WithChanges(new Microsoft.CodeAnalysis.Text.TextChange(new Microsoft.CodeAnalysis.Text.TextSpan(body.OpenBraceToken.Span.End, 0), new string(';', statements)));
                last = warm.Compile(compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(edited)));
                if (last is PatchAttempt.Patch patch)
                {
                    warm.Accept(patch);
                }
            }

            return last as PatchAttempt.Patch;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null; // a warm-up only: the real patch reports what goes wrong
        }
    }

    private static bool IsAdded(ISymbol symbol, HashSet<ISymbol> inserted)
    {
        for (var s = symbol; s is not null; s = s.ContainingType)
        {
            if (inserted.Contains(s))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the delta's edit log adds a field to a type of the copy (an <c>AddField</c> entry).</summary>
    public static bool AddsFieldToExistingType(byte[] metadataDelta)
    {
        using var provider = MetadataReaderProvider.FromMetadataImage(System.Collections.Immutable.ImmutableArray.Create(metadataDelta));
        return provider.GetMetadataReader().GetEditAndContinueLogEntries().Any(entry => entry.Operation == EditAndContinueOperation.AddField);
    }

    public void Dispose() => Reset();
}
