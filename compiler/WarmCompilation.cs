using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace HotReload.Compiler;

/// <summary>
/// The library's compilation, kept in memory between edits: built from the compiler command line the build recorded
/// (sources, references, defines, nullable, LangVersion, warnings as errors, resources, analyzer config, source
/// generators), so a copy compiled here is what the build would compile. Only files whose content changed are parsed
/// again; references, the generator driver and unchanged syntax trees are reused.
/// </summary>
internal sealed class WarmCompilation
{
    private readonly CSharpCommandLineArguments _arguments;
    private readonly ConfigOptions _config;
    private readonly ImmutableArray<ResourceDescription> _resources;
    private readonly Dictionary<string, SourceFile> _sources = new(StringComparer.Ordinal);
    private CSharpCompilation _compilation;
    private GeneratorDriver _generators;

    private WarmCompilation(CSharpCommandLineArguments arguments, ConfigOptions config, CSharpCompilation compilation, GeneratorDriver generators)
    {
        _arguments = arguments;
        _config = config;
        _compilation = compilation;
        _generators = generators;
        _resources = arguments.ManifestResources;
    }

    /// <summary>The source files of the compile, in the command line's order.</summary>
    public IReadOnlyList<string> SourcePaths => _compilation.SyntaxTrees.Select(t => t.FilePath).ToList();

    /// <summary>The result of one compile: the copy's bytes, or the errors.</summary>
    public sealed record Output(byte[]? Assembly, byte[]? Pdb, IReadOnlyList<string> Errors, TimeSpan Elapsed)
    {
        /// <summary>What the copy was emitted from: the baseline of its patches.</summary>
        public Compilation? Compilation { get; init; }
    }

    /// <summary>Reads the recorded command line and every input it names.</summary>
    /// <exception cref="InvalidDataException">The command line has errors (a missing file, an unknown option).</exception>
    public static WarmCompilation Load(string responseFile, string baseDirectory, AnalyzerLoader analyzers)
    {
        var arguments = CSharpCommandLineParser.Default.Parse(["@" + responseFile], baseDirectory, sdkDirectory: null);
        var errors = arguments.Errors.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidDataException($"The recorded command line '{responseFile}' has errors: {string.Join("; ", errors)}");
        }

        var config = new ConfigOptions(arguments.AnalyzerConfigPaths);
        var resolver = new FileReferenceResolver(arguments.BaseDirectory!);
        var references = arguments.ResolveMetadataReferences(resolver).ToList();
        if (references.OfType<UnresolvedMetadataReference>().FirstOrDefault() is { } missing)
        {
            throw new InvalidDataException($"The reference '{missing.Reference}' of the recorded command line '{responseFile}' does not exist.");
        }

        var options = arguments.CompilationOptions
            .WithMetadataReferenceResolver(resolver)
            .WithSourceReferenceResolver(new SourceFileResolver([], arguments.BaseDirectory, arguments.PathMap))
            .WithXmlReferenceResolver(new XmlFileResolver(arguments.BaseDirectory))
            .WithStrongNameProvider(new DesktopStrongNameProvider(arguments.KeyFileSearchPaths))
            .WithAssemblyIdentityComparer(DesktopAssemblyIdentityComparer.Default)
            .WithSyntaxTreeOptionsProvider(config.SyntaxTrees);

        var compilation = CSharpCompilation.Create(arguments.CompilationName, [], references, options);
        var generators = arguments.ResolveAnalyzerReferences(analyzers)
            .SelectMany(r => r.GetGenerators(LanguageNames.CSharp))
            .ToImmutableArray();
        var additionalTexts = arguments.AdditionalFiles.Select(f => (AdditionalText)new FileText(f.Path)).ToImmutableArray();
        var driver = CSharpGeneratorDriver.Create(generators, additionalTexts, arguments.ParseOptions, config.Analyzer);

        var warm = new WarmCompilation(arguments, config, compilation, driver);
        warm.Update(arguments.SourceFiles.Select(f => f.Path).ToList());
        return warm;
    }

    /// <summary>
    /// Brings the compilation up to date with <paramref name="sourcePaths"/> as they are on disk now: files whose
    /// content changed are parsed again, new ones added, missing ones removed. A file whose length and write time are
    /// unchanged is read again only when it is in <paramref name="touched"/> (a file event named it), so an edit is
    /// never missed on a file system with coarse timestamps. Returns the files that changed.
    /// </summary>
    /// <exception cref="IOException">A file could not be read, or was written while it was read: try again later.</exception>
    public IReadOnlyList<string> Update(IReadOnlyList<string> sourcePaths, IReadOnlySet<string>? touched = null)
    {
        var changed = new List<string>();
        var wanted = new HashSet<string>(sourcePaths, StringComparer.Ordinal);
        foreach (var gone in _sources.Keys.Where(p => !wanted.Contains(p)).ToList())
        {
            _compilation = _compilation.RemoveSyntaxTrees(_sources[gone].Tree);
            _sources.Remove(gone);
            changed.Add(gone);
        }

        foreach (var path in sourcePaths)
        {
            _sources.TryGetValue(path, out var known);
            var stamp = FileStamp.Of(path);
            if (known is not null && known.Stamp == stamp && touched?.Contains(path) != true)
            {
                continue;
            }

            var text = ReadStable(path, stamp);
            if (known is not null && known.Tree.GetText().ContentEquals(text))
            {
                _sources[path] = known with { Stamp = stamp };
                continue;
            }

            var tree = CSharpSyntaxTree.ParseText(text, _arguments.ParseOptions, path);
            _compilation = known is null ? _compilation.AddSyntaxTrees(tree) : _compilation.ReplaceSyntaxTree(known.Tree, tree);
            _sources[path] = new SourceFile(tree, stamp);
            changed.Add(path);
        }

        return changed;
    }

    /// <summary>
    /// True when <paramref name="path"/> (a path of <see cref="SourcePaths"/>) holds on disk exactly the text compiled
    /// from it: a file event about it since it was read is then the same write, not a new one.
    /// </summary>
    public bool HoldsOnDisk(string path)
    {
        if (!_sources.TryGetValue(path, out var known))
        {
            return false;
        }

        try
        {
            return known.Tree.GetText().ContentEquals(ReadStable(path, FileStamp.Of(path)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone, locked or being written: not what was compiled
        }
    }

    /// <summary>
    /// The current sources as <paramref name="assemblyName"/>, with the source generators' output, and the generators'
    /// errors: what a copy or a patch is emitted from.
    /// </summary>
    public (Compilation Compilation, IReadOnlyList<Diagnostic> GeneratorDiagnostics) Current(string assemblyName)
    {
        var compilation = _compilation
            .WithAssemblyName(assemblyName)
            .WithOptions(_compilation.Options.WithModuleName(assemblyName + ".dll"));
        _generators = _generators.RunGeneratorsAndUpdateCompilation(compilation, out var withGenerated, out var generatorDiagnostics);
        return (withGenerated, generatorDiagnostics);
    }

    /// <summary>The options the recorded command line gives the emit (the PDB's format, its path).</summary>
    public EmitOptions EmitOptionsFor(string assemblyName) => _arguments.EmitOptions.WithPdbFilePath(assemblyName + ".pdb");

    /// <summary>Compiles the current sources as <paramref name="assemblyName"/>, in memory.</summary>
    public Output Emit(string assemblyName)
    {
        var stopwatch = Stopwatch.StartNew();
        var (withGenerated, generatorDiagnostics) = Current(assemblyName);

        var embedPdb = _arguments.EmitOptions.DebugInformationFormat == DebugInformationFormat.Embedded;
        var emitOptions = EmitOptionsFor(assemblyName);
        using var assembly = new MemoryStream();
        using var pdb = _arguments.EmitPdb && !embedPdb ? new MemoryStream() : null;
        using var sourceLink = _arguments.SourceLink is { } link && File.Exists(link) ? File.OpenRead(link) : null;
        var result = withGenerated.Emit(
            assembly,
            pdb,
            manifestResources: _resources,
            options: emitOptions,
            sourceLinkStream: sourceLink,
            embeddedTexts: EmbeddedTexts(withGenerated));

        var errors = generatorDiagnostics.Concat(result.Diagnostics)
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.ToString())
            .Distinct()
            .ToList();
        return result.Success && errors.Count == 0
            ? new Output(assembly.ToArray(), pdb?.ToArray(), [], stopwatch.Elapsed) { Compilation = withGenerated }
            : new Output(null, null, errors.Count > 0 ? errors : ["error: the compile failed without a diagnostic"], stopwatch.Elapsed);
    }

    private IEnumerable<EmbeddedText>? EmbeddedTexts(Compilation compilation)
    {
        if (_arguments.EmbeddedFiles.IsDefaultOrEmpty)
        {
            return null;
        }

        var embedded = new HashSet<string>(_arguments.EmbeddedFiles.Select(f => f.Path), StringComparer.Ordinal);
        return compilation.SyntaxTrees.Where(t => embedded.Contains(t.FilePath)).Select(t => EmbeddedText.FromSource(t.FilePath, t.GetText()));
    }

    /// <summary>Reads a file the way csc does, and proves it was not written while it was read.</summary>
    private SourceText ReadStable(string path, FileStamp before)
    {
        SourceText text;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            text = SourceText.From(stream, _arguments.Encoding, _arguments.ChecksumAlgorithm, throwIfBinaryDetected: false, canBeEmbedded: true);
        }

        if (FileStamp.Of(path) != before)
        {
            throw new IOException($"'{path}' was written while it was read.");
        }

        return text;
    }

    private sealed record SourceFile(SyntaxTree Tree, FileStamp Stamp);

    private sealed class FileText(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText? GetText(CancellationToken cancellationToken = default) =>
            File.Exists(Path) ? SourceText.From(File.ReadAllText(Path)) : null;
    }

    /// <summary>Resolves the command line's /reference paths; every reference is read once, when the compilation is loaded.</summary>
    private sealed class FileReferenceResolver(string baseDirectory) : MetadataReferenceResolver
    {
        public override ImmutableArray<PortableExecutableReference> ResolveReference(string reference, string? baseFilePath, MetadataReferenceProperties properties)
        {
            var path = Path.GetFullPath(Path.Combine(_baseDirectory, reference));
            return File.Exists(path) ? [MetadataReference.CreateFromFile(path, properties)] : [];
        }

        public override bool Equals(object? other) => other is FileReferenceResolver r && r._baseDirectory == _baseDirectory;

        public override int GetHashCode() => _baseDirectory.GetHashCode(StringComparison.Ordinal);

        private readonly string _baseDirectory = baseDirectory;
    }
}

/// <summary>A file's length and last write time: when both are unchanged the content is taken as unchanged; when either
/// changed the content is compared, so a coarse or skewed clock never hides an edit.</summary>
internal readonly record struct FileStamp(long Length, DateTime LastWriteUtc)
{
    public static FileStamp Of(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new FileStamp(info.Length, info.LastWriteTimeUtc) : default;
    }
}
