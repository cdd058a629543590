using System.Globalization;

namespace HotReload.Sdk.Tasks;

/// <summary>
/// HR1010: no next copy number fits, because a folder or the counter holds a number at or past
/// <see cref="CopyLayout.MaxGeneration"/>. Refused rather than wrapped: a negative or reused number would break the rule
/// that a newer copy has a higher number, which every running host relies on.
/// </summary>
internal sealed class CopyNumbersExhaustedException : Exception
{
    public const string Code = "HR1010";

    private CopyNumbersExhaustedException(string path, string message)
        : base(message) => Path = path;

    /// <summary>The folder or counter file whose number leaves no next one.</summary>
    public string Path { get; }

    public static CopyNumbersExhaustedException Folder(string folder) =>
        new(folder, $"The folder of copies holds '{folder}': no copy number after it fits (the highest is {Max}). Delete that folder, or run dotnet clean (which deletes all copies), and build again.");

    public static CopyNumbersExhaustedException Counter(string counterFile, string value) =>
        new(counterFile, $"The last copy number handed out, {value} in '{counterFile}', leaves no next copy number (the highest is {Max}). Delete that file (dotnet clean keeps it) and build again; restart the hosts running this library, since numbering starts over.");

    private static string Max => CopyLayout.MaxGeneration.ToString(CultureInfo.InvariantCulture);
}
