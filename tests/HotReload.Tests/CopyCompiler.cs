using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace HotReload.Tests;

/// <summary>Compiles small libraries that stand in for a reloadable project: the static one and its numbered copies.</summary>
internal sealed class CopyCompiler : IDisposable
{
    public const string LibraryName = "ReloadableUnderTest";

    private static readonly MetadataReference[] References = BuildReferences();

    public CopyCompiler(string? libraryName = null)
    {
        Name = libraryName ?? LibraryName + Guid.NewGuid().ToString("N")[..8];
        Root = Path.Combine(Path.GetTempPath(), "hr-runtime-" + Guid.NewGuid().ToString("N"));
        CopiesDirectory = Path.Combine(Root, "reloaded");
        Directory.CreateDirectory(CopiesDirectory);
    }

    public string Name { get; }

    public string Root { get; }

    public string CopiesDirectory { get; }

    /// <summary>The library as the host links it statically, loaded into the default context.</summary>
    public Assembly CompileStatic(string source)
    {
        var path = Path.Combine(Root, "static", Name + ".dll");
        Emit(Name, source, path);
        return Assembly.LoadFrom(path);
    }

    /// <summary>Writes copy N the way the SDK does: compiled in a staging folder, then renamed into place.</summary>
    public string PublishCopy(int generation, string source)
    {
        var staging = Path.Combine(CopiesDirectory, ".staging-" + Guid.NewGuid().ToString("N"));
        var name = Name + "." + generation;
        Emit(name, source, Path.Combine(staging, name + ".dll"));
        var target = Path.Combine(CopiesDirectory, generation.ToString());
        Directory.Move(staging, target);
        return Path.Combine(target, name + ".dll");
    }

    public static void Emit(string assemblyName, string source, string path, params MetadataReference[] extra)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source)],
            References.Concat(extra),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var stream = File.Create(path);
        var result = compilation.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, result.Diagnostics));
        }
    }

    private static MetadataReference[] BuildReferences()
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll");
        return platform.Append(typeof(CopyCompiler).Assembly.Location).Append(typeof(HotReload.Runtime.ReloadableLibrary).Assembly.Location)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A copy still mapped by a context that is not collected yet; the temp folder is cleaned by the OS.
        }
    }
}
