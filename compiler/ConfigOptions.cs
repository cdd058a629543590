using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace HotReload.Compiler;

/// <summary>
/// The build's .editorconfig and global analyzer config files, as csc applies them: options for source generators
/// (build_property.*, per-file options) and diagnostic severities per file. Roslyn keeps its own implementations
/// internal, so these are small public-API ones over <see cref="AnalyzerConfigSet"/>.
/// </summary>
internal sealed class ConfigOptions
{
    private readonly AnalyzerConfigSet _set;
    private readonly Dictionary<string, AnalyzerConfigOptionsResult> _byPath = new(StringComparer.Ordinal);

    public ConfigOptions(IEnumerable<string> configPaths)
    {
        var configs = configPaths.Select(p => AnalyzerConfig.Parse(Microsoft.CodeAnalysis.Text.SourceText.From(File.ReadAllText(p)), p)).ToList();
        _set = AnalyzerConfigSet.Create(configs, out _);
        Analyzer = new OptionsProvider(this);
        SyntaxTrees = new TreeOptionsProvider(this);
    }

    public AnalyzerConfigOptionsProvider Analyzer { get; }

    public SyntaxTreeOptionsProvider SyntaxTrees { get; }

    private AnalyzerConfigOptionsResult For(string path)
    {
        lock (_byPath)
        {
            if (!_byPath.TryGetValue(path, out var result))
            {
                _byPath[path] = result = _set.GetOptionsForSourcePath(path);
            }

            return result;
        }
    }

    private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);

        public override IEnumerable<string> Keys => values.Keys;
    }

    private sealed class OptionsProvider(ConfigOptions owner) : AnalyzerConfigOptionsProvider
    {
        private readonly AnalyzerConfigOptions _global = new Options(owner._set.GlobalConfigOptions.AnalyzerOptions);

        public override AnalyzerConfigOptions GlobalOptions => _global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(owner.For(tree.FilePath).AnalyzerOptions);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options(owner.For(textFile.Path).AnalyzerOptions);
    }

    private sealed class TreeOptionsProvider(ConfigOptions owner) : SyntaxTreeOptionsProvider
    {
        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) =>
            owner.For(tree.FilePath).AnalyzerOptions.TryGetValue("generated_code", out var value)
                ? (bool.TryParse(value, out var generated) && generated ? GeneratedKind.MarkedGenerated : GeneratedKind.NotGenerated)
                : GeneratedKind.Unknown;

        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity) =>
            owner.For(tree.FilePath).TreeOptions.TryGetValue(diagnosticId, out severity);

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity) =>
            owner._set.GlobalConfigOptions.TreeOptions.TryGetValue(diagnosticId, out severity);
    }
}
