using System.Globalization;
using System.Security.Cryptography;

namespace HotReload;

/// <summary>
/// The layout of a folder of numbered copies: the contract between the SDK's task, which writes it, and the runtime,
/// which reads it. Compiled into both assemblies (tasks/ links this file), so the two can never disagree.
/// </summary>
internal static class CopyLayout
{
    /// <summary>
    /// Beside each copy: the runtime assemblies the library depends on, one a line as <c>sha256&lt;TAB&gt;full path</c>
    /// (the SHA-256 of the file the build resolved, in lowercase hex). The runtime loads one only if the host lacks it,
    /// the path is under a folder the host's build trusts, and the file still has that hash.
    /// </summary>
    public const string DependencyListFileName = "dependencies.txt";

    /// <summary>Beside a copy the warm compiler made on a save: how long the save settled and the compile took, so every
    /// host that loads the copy can report it. A copy a build made has none.</summary>
    public const string SaveTimingsFileName = "saved.txt";

    /// <summary>A copy being compiled; renamed to its number when complete.</summary>
    public const string StagingPrefix = ".staging-";

    /// <summary>The highest copy number: numbers are <see cref="int"/>s, baked into the copy's assembly name.</summary>
    public const int MaxGeneration = int.MaxValue;

    /// <summary>True for a published copy's folder name: a positive number, written without leading zeros.</summary>
    public static bool TryParseGeneration(string name, out int number) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out number) && number > 0
        && name == number.ToString(CultureInfo.InvariantCulture);

    /// <summary>What a folder in the folder of copies is, by its name.</summary>
    public enum FolderKind
    {
        /// <summary>A published copy: <see cref="TryParseGeneration"/>.</summary>
        Copy,

        /// <summary>A copy being written (<see cref="StagingPrefix"/>).</summary>
        Staging,

        /// <summary>Written like a copy number, but past <see cref="MaxGeneration"/>: no number after it fits.</summary>
        NumberBeyondRange,

        /// <summary>Anything else (<c>notes</c>, <c>007</c>, <c>0</c>): not a copy, never loaded or pruned.</summary>
        Other,
    }

    public static FolderKind Classify(string name, out int number)
    {
        if (TryParseGeneration(name, out number))
        {
            return FolderKind.Copy;
        }

        if (name.StartsWith(StagingPrefix, StringComparison.Ordinal))
        {
            return FolderKind.Staging;
        }

        return IsDecimalBeyondRange(name) && name[0] != '0' ? FolderKind.NumberBeyondRange : FolderKind.Other;
    }

    /// <summary>Digits only, and more than an <see cref="int"/> holds (a counter or a folder name).</summary>
    public static bool IsDecimalBeyondRange(string text) =>
        text.Length > 0 && text.All(char.IsAsciiDigit)
        && !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    /// <summary>
    /// Writes a copy's <see cref="DependencyListFileName"/>: the managed runtime dependencies, each with the SHA-256 that
    /// <paramref name="sha256Of"/> gives for it (<see cref="Sha256Of"/>, or a cache of it). A file that is not there is
    /// left out: there is nothing to load, and the host resolves that name as it would without a list.
    /// </summary>
    public static void WriteDependencyList(string copyFolder, IEnumerable<string> runtimeDependencies, Func<string, string?> sha256Of) =>
        File.WriteAllLines(Path.Combine(copyFolder, DependencyListFileName), runtimeDependencies
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(p => (Path: p, Sha256: sha256Of(p)))
            .Where(d => d.Sha256 is not null)
            .Select(d => d.Sha256 + "\t" + d.Path));

    /// <summary>One line of <see cref="DependencyListFileName"/>; false unless it is a SHA-256 in hex, a tab and a full path.</summary>
    public static bool TryParseDependency(string line, out string sha256, out string path)
    {
        var tab = line.IndexOf('\t');
        sha256 = tab == 64 ? line[..tab] : "";
        path = tab == 64 ? line[(tab + 1)..] : "";
        return tab == 64 && sha256.All(char.IsAsciiHexDigitLower) && Path.IsPathFullyQualified(path);
    }

    /// <summary>The SHA-256 of a file in lowercase hex, or null when it is not there or cannot be read.</summary>
    public static string? Sha256Of(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.SequentialScan);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static void WriteSaveTimings(string copyFolder, TimeSpan debounce, TimeSpan compile) =>
        File.WriteAllLines(Path.Combine(copyFolder, SaveTimingsFileName),
        [
            "debounce-ms=" + debounce.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture),
            "compile-ms=" + compile.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture),
        ]);

    /// <summary>
    /// The timings of a copy made on a save; false for a copy a build made (or an unreadable file). Never read through
    /// a link: a copy's folder that is one is refused as a whole (HR2011) when it is loaded.
    /// </summary>
    public static bool TryReadSaveTimings(string copyFolder, out TimeSpan debounce, out TimeSpan compile)
    {
        debounce = compile = default;
        var path = Path.Combine(copyFolder, SaveTimingsFileName);
        try
        {
            if (!File.Exists(path) || new DirectoryInfo(copyFolder).LinkTarget is not null || new FileInfo(path).LinkTarget is not null)
            {
                return false;
            }

            var values = File.ReadAllLines(path).Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => double.TryParse(p[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) ? ms : double.NaN);
            if (values.GetValueOrDefault("debounce-ms", double.NaN) is var d && values.GetValueOrDefault("compile-ms", double.NaN) is var c
                && !double.IsNaN(d) && !double.IsNaN(c))
            {
                debounce = TimeSpan.FromMilliseconds(d);
                compile = TimeSpan.FromMilliseconds(c);
                return true;
            }
        }
        catch (IOException)
        {
        }

        return false;
    }

    /// <summary>The extension of a patch of a copy (<see cref="PatchFile"/>): <c>N/K.patch</c>.</summary>
    public const string PatchExtension = ".patch";

    /// <summary><c>N/K.patch</c>, relative to the folder of copies: patch <paramref name="number"/> (from 1, without gaps) of copy N.</summary>
    public static string PatchPath(int generation, int number) =>
        Path.Combine(generation.ToString(CultureInfo.InvariantCulture), number.ToString(CultureInfo.InvariantCulture) + PatchExtension);

    /// <summary>True for a published patch's file name (<c>K.patch</c>, K a positive number without leading zeros).</summary>
    public static bool TryParsePatch(string fileName, out int number)
    {
        if (fileName.EndsWith(PatchExtension, StringComparison.Ordinal) && TryParseGeneration(fileName[..^PatchExtension.Length], out number))
        {
            return true;
        }

        number = 0;
        return false;
    }

    /// <summary><c>N/Name.N.dll</c>, relative to the folder of copies.</summary>
    public static string AssemblyPath(string assemblyName, int generation) =>
        Path.Combine(generation.ToString(CultureInfo.InvariantCulture), AssemblyName(assemblyName, generation) + ".dll");

    /// <summary><c>Name.N</c>: the assembly name of copy N.</summary>
    public static string AssemblyName(string assemblyName, int generation) =>
        assemblyName + "." + generation.ToString(CultureInfo.InvariantCulture);
}
