using System.Globalization;

namespace HotReload;

/// <summary>
/// The layout of a folder of numbered copies: the contract between the SDK's task, which writes it, and the runtime,
/// which reads it. Compiled into both assemblies (tasks/ links this file), so the two can never disagree.
/// </summary>
internal static class CopyLayout
{
    /// <summary>Beside each copy: runtime assemblies the library depends on, one full path a line.</summary>
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

    /// <summary>Writes a copy's <see cref="DependencyListFileName"/>: the managed runtime dependencies, one full path a line.</summary>
    public static void WriteDependencyList(string copyFolder, IEnumerable<string> runtimeDependencies) =>
        File.WriteAllLines(Path.Combine(copyFolder, DependencyListFileName), runtimeDependencies
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal));

    public static void WriteSaveTimings(string copyFolder, TimeSpan debounce, TimeSpan compile) =>
        File.WriteAllLines(Path.Combine(copyFolder, SaveTimingsFileName),
        [
            "debounce-ms=" + debounce.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture),
            "compile-ms=" + compile.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture),
        ]);

    /// <summary>The timings of a copy made on a save; false for a copy a build made (or an unreadable file).</summary>
    public static bool TryReadSaveTimings(string copyFolder, out TimeSpan debounce, out TimeSpan compile)
    {
        debounce = compile = default;
        var path = Path.Combine(copyFolder, SaveTimingsFileName);
        try
        {
            if (!File.Exists(path))
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

    /// <summary><c>N/Name.N.dll</c>, relative to the folder of copies.</summary>
    public static string AssemblyPath(string assemblyName, int generation)
    {
        var number = generation.ToString(CultureInfo.InvariantCulture);
        return Path.Combine(number, assemblyName + "." + number + ".dll");
    }
}
