using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace HotReload.ProcessBench;

/// <summary>
/// Numbered copies of the sample's library for the `hitch` figure, compiled in this process before any host runs and
/// published one at a time while it runs, in the layout of runtime/CopyLayout.cs: each copy is written complete to a
/// staging folder beside the folder of copies and renamed to <c>N/StateManipulation.N.dll</c> in one move, as the SDK and
/// the warm compiler do. The compile uses the command line the library's build recorded for the warm compiler
/// (<c>obj/StateManipulation.hotreload.rsp</c>, named in its manifest): the same sources, references and options,
/// with Logic.cs's step changed in every copy, so no two copies are the same code. Source generators do not run (the
/// sample has none of its own); the copy's dependency list is the one the build wrote beside its copy.
/// </summary>
internal sealed class HitchCopies
{
    private const string Step = "state.Counter += 1;";

    private readonly CSharpCommandLineArguments _arguments;
    private readonly CSharpCompilation _compilation;
    private readonly SyntaxTree _logic;
    private readonly string _dependencyList;
    private int _staged;

    private HitchCopies(string copiesFolder, string assemblyName, int keepCopies, CSharpCommandLineArguments arguments, CSharpCompilation compilation, SyntaxTree logic, string dependencyList)
    {
        CopiesFolder = copiesFolder;
        AssemblyName = assemblyName;
        KeepCopies = keepCopies;
        _arguments = arguments;
        _compilation = compilation;
        _logic = logic;
        _dependencyList = dependencyList;
        StagingFolder = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(copiesFolder))!, "hitch-staged")).FullName;
        _staged = Newest();
    }

    public string CopiesFolder { get; }

    public string AssemblyName { get; }

    /// <summary>The SDK's HotReloadKeepCopies (10 unless the library sets it): older copies are deleted after each new one.</summary>
    public int KeepCopies { get; }

    /// <summary>Where copies wait to be published: a sibling of the folder of copies, so publishing is a rename.</summary>
    public string StagingFolder { get; }

    /// <summary>Reads the manifest and the recorded command line that the library's build wrote to its obj/ folder.</summary>
    public static HitchCopies FromBuild(string libraryFolder)
    {
        var manifestPath = Directory.EnumerateFiles(Path.Combine(libraryFolder, "obj"), "*.hotreload.manifest", SearchOption.AllDirectories).Single();
        var manifest = File.ReadAllLines(manifestPath).Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0], p => p[1]).ToDictionary(g => g.Key, g => g.Last());
        var copies = manifest["copies-directory"];
        var assemblyName = manifest["assembly-name"];
        var keep = manifest.TryGetValue("keep-copies", out var k) && int.TryParse(k, out var n) && n > 0 ? n : 10;

        var arguments = CSharpCommandLineParser.Default.Parse(["@" + manifest["response-file"]], libraryFolder, sdkDirectory: null);
        if (arguments.Errors.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) is { } error)
        {
            throw new InvalidOperationException($"The recorded command line has errors: {error}");
        }

        var resolver = new MetadataReferenceResolverForFiles(arguments.BaseDirectory!);
        var references = arguments.ResolveMetadataReferences(resolver).ToList();
        var trees = arguments.SourceFiles.Select(f => CSharpSyntaxTree.ParseText(SourceText.From(File.ReadAllText(f.Path), Encoding.UTF8), arguments.ParseOptions, f.Path)).ToList();
        var logic = trees.Single(t => Path.GetFileName(t.FilePath) == "Logic.cs");
        if (!logic.GetText().ToString().Contains(Step, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The sample's Logic.cs no longer contains '{Step}'; update HitchCopies.");
        }

        var compilation = CSharpCompilation.Create(arguments.CompilationName, trees, references, arguments.CompilationOptions);
        var built = Path.Combine(copies, "1", CopyLayout.DependencyListFileName);
        return new HitchCopies(copies, assemblyName, keep, arguments, compilation, logic, File.Exists(built) ? File.ReadAllText(built) : "");
    }

    /// <summary>The highest copy number in the folder of copies (the build's own copy: 1).</summary>
    public int Newest() => Directory.EnumerateDirectories(CopiesFolder)
        .Select(d => CopyLayout.TryParseGeneration(Path.GetFileName(d), out var n) ? n : 0)
        .DefaultIfEmpty().Max();

    /// <summary>Compiles the next <paramref name="count"/> copies into the staging folder; returns their numbers.</summary>
    public IReadOnlyList<int> Stage(int count) =>
        Stage(count, generation => _logic.GetText().ToString().Replace(Step, $"state.Counter += {generation};", StringComparison.Ordinal));

    /// <summary>Compiles the next <paramref name="count"/> copies with Logic.cs replaced by what <paramref name="logic"/>
    /// returns for each copy's number (the `stall` figure's leaking and clean copies); returns their numbers.</summary>
    public IReadOnlyList<int> Stage(int count, Func<int, string> logic)
    {
        var numbers = new List<int>();
        for (var i = 0; i < count; i++)
        {
            var generation = ++_staged;
            var name = AssemblyName + "." + Number(generation);
            var source = logic(generation);
            var compilation = _compilation
                .ReplaceSyntaxTree(_logic, CSharpSyntaxTree.ParseText(SourceText.From(source, Encoding.UTF8), _arguments.ParseOptions, _logic.FilePath))
                .WithAssemblyName(name)
                .WithOptions(_compilation.Options.WithModuleName(name + ".dll"));

            var embedPdb = _arguments.EmitOptions.DebugInformationFormat == DebugInformationFormat.Embedded;
            using var assembly = new MemoryStream();
            using var pdb = _arguments.EmitPdb && !embedPdb ? new MemoryStream() : null;
            var result = compilation.Emit(assembly, pdb, options: _arguments.EmitOptions.WithPdbFilePath(name + ".pdb"));
            if (!result.Success)
            {
                throw new InvalidOperationException($"Copy {generation} did not compile:{Environment.NewLine}{string.Join(Environment.NewLine, result.Diagnostics)}");
            }

            // CopyLayout.AssemblyPath: N/Name.N.dll, here relative to the staging folder.
            var path = Path.Combine(StagingFolder, CopyLayout.AssemblyPath(AssemblyName, generation));
            var folder = Directory.CreateDirectory(Path.GetDirectoryName(path)!).FullName;
            File.WriteAllBytes(path, assembly.ToArray());
            if (pdb is not null)
            {
                File.WriteAllBytes(Path.Combine(folder, name + ".pdb"), pdb.ToArray());
            }

            File.WriteAllText(Path.Combine(folder, CopyLayout.DependencyListFileName), _dependencyList);
            numbers.Add(generation);
        }

        return numbers;
    }

    /// <summary>Renames staged copy N into the folder of copies (the host's watcher sees it from here on), then deletes
    /// the copy that falls out of the newest <see cref="KeepCopies"/>, as the SDK does after each new copy.</summary>
    public void Publish(int generation)
    {
        Directory.Move(Path.Combine(StagingFolder, Number(generation)), Path.Combine(CopiesFolder, Number(generation)));
        var old = Path.Combine(CopiesFolder, Number(generation - KeepCopies));
        if (Directory.Exists(old))
        {
            Directory.Delete(old, recursive: true);
        }
    }

    private static string Number(int generation) => generation.ToString(CultureInfo.InvariantCulture);

    /// <summary>Resolves the command line's /reference paths (absolute, or relative to the project), as the warm compiler does.</summary>
    private sealed class MetadataReferenceResolverForFiles(string baseDirectory) : MetadataReferenceResolver
    {
        private readonly string _baseDirectory = baseDirectory;

        public override ImmutableArray<PortableExecutableReference> ResolveReference(string reference, string? baseFilePath, MetadataReferenceProperties properties)
        {
            var path = Path.GetFullPath(Path.Combine(_baseDirectory, reference));
            return File.Exists(path) ? [MetadataReference.CreateFromFile(path, properties)] : [];
        }

        public override bool Equals(object? other) => other is MetadataReferenceResolverForFiles r && r._baseDirectory == _baseDirectory;

        public override int GetHashCode() => _baseDirectory.GetHashCode(StringComparison.Ordinal);
    }
}
