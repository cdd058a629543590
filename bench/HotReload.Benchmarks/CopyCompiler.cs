using Game;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace HotReload.Benchmarks;

/// <summary>
/// Compiles Game/Logic.cs into assemblies whose Step adds a chosen increment, so the result of a call tells which
/// copy ran. One compilation per increment is kept and only renamed per copy (WithAssemblyName), which keeps
/// a thousand copies cheap.
/// </summary>
internal sealed class CopyCompiler
{
    private const string Increment = "counter.Value += 1;";

    private readonly Dictionary<int, CSharpCompilation> _byIncrement = [];

    public byte[] Compile(string assemblyName, int increment)
    {
        if (!_byIncrement.TryGetValue(increment, out var compilation))
        {
            _byIncrement[increment] = compilation = Create(increment);
        }

        using var stream = new MemoryStream();
        var result = compilation.WithAssemblyName(assemblyName).Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, result.Diagnostics));
        }

        return stream.ToArray();
    }

    private static CSharpCompilation Create(int increment)
    {
        using var resource = typeof(CopyCompiler).Assembly.GetManifestResourceStream("Logic.cs")!;
        var source = new StreamReader(resource).ReadToEnd();
        if (!source.Contains(Increment, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Game/Logic.cs no longer contains '{Increment}'; update CopyCompiler.");
        }

        return CSharpCompilation.Create(
            "placeholder",
            [CSharpSyntaxTree.ParseText(source.Replace(Increment, $"counter.Value += {increment};", StringComparison.Ordinal))],
            References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
    }

    /// <summary>The framework, plus the shared assembly for <see cref="Counter"/>.</summary>
    private static IEnumerable<MetadataReference> References() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(Counter).Assembly.Location)
            .Select(p => MetadataReference.CreateFromFile(p));
}
