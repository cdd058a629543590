using System.Diagnostics;

namespace HotReload.Diagnosis;

/// <summary>Each step of the search and when it ended, on standard error: what the runtime quotes when the helper fails or is too slow.</summary>
internal static class Progress
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static void Step(string what) => Console.Error.WriteLine($"{Clock.ElapsedMilliseconds} ms: {what}");
}
