using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace HotReload.Sdk.Tasks;

/// <summary>
/// The compiler command line of the library's last compile, as recorded in obj/ (one argument a line), with a first
/// line that proves which compile it describes: <c># compile &lt;MVID of the assembly that compile wrote&gt;</c> (csc reads
/// '#' lines in a response file as comments). A build stopped between writing the assembly and recording its command
/// line leaves a file that does not match the assembly, and the next build compiles again.
/// </summary>
internal static class RecordedCommandLine
{
    private const string Header = "# compile ";

    /// <summary>Writes the file, or leaves it untouched when it already says exactly this.</summary>
    public static void Write(string path, IEnumerable<string> arguments, string intermediateAssembly)
    {
        string[] lines = [Header + (IdentityOf(intermediateAssembly) ?? "?"), .. arguments];
        if (File.Exists(path) && File.ReadAllLines(path).SequenceEqual(lines, StringComparer.Ordinal))
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, path, overwrite: true); // never half a command line
    }

    /// <summary>The arguments, without the proof line; null when there is no file.</summary>
    public static IReadOnlyList<string>? ReadArguments(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray() : null;

    /// <summary>True when the file describes the compile that wrote <paramref name="intermediateAssembly"/>.</summary>
    public static bool Describes(string path, string intermediateAssembly)
    {
        if (!File.Exists(path) || IdentityOf(intermediateAssembly) is not { } identity)
        {
            return false;
        }

        using var reader = new StreamReader(path);
        return reader.ReadLine() == Header + identity;
    }

    /// <summary>The assembly's module version id: a new one for every compile whose output differs.</summary>
    internal static string? IdentityOf(string assembly)
    {
        try
        {
            using var pe = new PEReader(File.OpenRead(assembly));
            var metadata = pe.GetMetadataReader();
            return metadata.GetGuid(metadata.GetModuleDefinition().Mvid).ToString("N");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException or InvalidOperationException)
        {
            return null;
        }
    }
}
