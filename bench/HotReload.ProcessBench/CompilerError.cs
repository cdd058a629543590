using System.Text.RegularExpressions;

namespace HotReload.ProcessBench;

/// <summary>A C# compiler error as both tools print it: <c>path(line,col): error CS0029: ...</c> (dotnet watch puts
/// <c>dotnet watch : </c> in front).</summary>
internal static partial class CompilerError
{
    public static bool IsMatch(string text) => ErrorLine().IsMatch(text);

    [GeneratedRegex(@"\(\d+,\d+\): error CS\d+:")]
    private static partial Regex ErrorLine();
}
