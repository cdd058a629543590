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

    /// <summary>A copy being compiled; renamed to its number when complete.</summary>
    public const string StagingPrefix = ".staging-";

    /// <summary>True for a published copy's folder name: a positive number, written without leading zeros.</summary>
    public static bool TryParseGeneration(string name, out int number) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out number) && number > 0
        && name == number.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes a copy's <see cref="DependencyListFileName"/>: the managed runtime dependencies, one full path a line.</summary>
    public static void WriteDependencyList(string copyFolder, IEnumerable<string> runtimeDependencies) =>
        File.WriteAllLines(Path.Combine(copyFolder, DependencyListFileName), runtimeDependencies
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal));

    /// <summary><c>N/Name.N.dll</c>, relative to the folder of copies.</summary>
    public static string AssemblyPath(string assemblyName, int generation)
    {
        var number = generation.ToString(CultureInfo.InvariantCulture);
        return Path.Combine(number, assemblyName + "." + number + ".dll");
    }
}
