namespace HotReload.EndToEnd.Tests;

/// <summary>
/// Edits that `dotnet watch` cannot apply in place (it restarts the program and loses its state), and a source
/// generator's input. Each one is only saved to disk, as a user would: the warm compiler beside the host makes it live
/// in the same running process, with the host's state kept. A project file change goes through a real build.
/// </summary>
public sealed class EditKindsTests
{
    private const string Start = """
        using Common;

        namespace StateManipulation;

        public static partial class Logic
        {
            public static State NewState() => new();

            public static void UpdateAndRender(Platform platform, State state)
            {
                platform.Print("start " + state.Counter);
                state.Counter = Next(state.Counter);
            }

            private static long Next(long counter) => counter + 1;
        }
        """;

    public static TheoryData<string> Edits => new() { "constant", "signature", "class", "field", "lambda", "regex", "package" };

    /// <summary>Each edit: the new Logic.cs (printing its own tag), the step it makes, and an optional project change.</summary>
    private static (string Source, int Step, Action<Workspace>? Project) Edit(string kind) => kind switch
    {
        // A constant in the step method.
        "constant" => (Start.Replace("\"start \"", "\"constant \"").Replace("counter + 1", "counter + 2"), 2, null),

        // A method's parameters change.
        "signature" => (Start.Replace("\"start \"", "\"signature \"")
            .Replace("Next(state.Counter)", "Next(state.Counter, by: 3)")
            .Replace("Next(long counter) => counter + 1", "Next(long counter, int by) => counter + by"), 3, null),

        // A new class, called from the old code.
        "class" => (Start.Replace("\"start \"", "\"class \"").Replace("Next(state.Counter)", "Stepper.Advance(state.Counter)")
            + "\ninternal static class Stepper { public static long Advance(long counter) => counter + 4; }\n", 4, null),

        // A field added to an existing class of the library.
        "field" => (Start.Replace("\"start \"", "\"field \"").Replace("Next(state.Counter)", "new Step().Apply(state.Counter)")
            + "\ninternal sealed class Step { private readonly long _by = 5; private readonly long _extra = 0; public long Apply(long c) => c + _by + _extra; }\n", 5, null),

        // A lambda's body and captures change.
        "lambda" => (Start.Replace("\"start \"", "\"lambda \"")
            .Replace("state.Counter = Next(state.Counter);", "var by = 6; Func<long, long> step = c => c + by; state.Counter = step(state.Counter);"), 6, null),

        // A [GeneratedRegex] pattern: the regular expression source generator runs in the warm compile.
        "regex" => (Start.Replace("\"start \"", "\"regex \"")
            .Replace("counter + 1", "counter + Pattern().Match(\"aaaaaaaaaa\").Length")
            + "\npublic static partial class Logic { [System.Text.RegularExpressions.GeneratedRegex(\"a{8}\")] private static partial System.Text.RegularExpressions.Regex Pattern(); }\n", 8, null),

        // A NuGet package the host does not reference, used by the library: the project file changes, so the warm
        // compiler runs a real build (restore included) and goes warm again.
        "package" => (Start.Replace("platform.Print(\"start \" + state.Counter);", "platform.Print(\"package \" + Newtonsoft.Json.JsonConvert.SerializeObject(state.Counter));")
            .Replace("counter + 1", "counter + 7"), 7,
            ws => ws.Edit(Path.Combine(ws.Library, "StateManipulation.csproj"), "<ProjectReference Include=\"../Common/Common.csproj\" />",
                "<ProjectReference Include=\"../Common/Common.csproj\" />\n    <PackageReference Include=\"Newtonsoft.Json\" Version=\"13.0.3\" />")),

        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void Edit_goes_live_with_state_kept_and_no_restart(string kind)
    {
        using var ws = new Workspace();
        File.WriteAllText(ws.LogicFile, Start);
        ws.BuildHost().ShouldSucceed();
        using var host = ws.StartHost();
        host.WaitFor(l => l == "start 15", "a few frames");

        host.WaitForCompiler();

        var (source, step, project) = Edit(kind);
        project?.Invoke(ws);
        File.WriteAllText(ws.LogicFile, source);

        var first = host.WaitFor(l => l.StartsWith(kind + " ", StringComparison.Ordinal), $"the '{kind}' edit to go live", TimeSpan.FromMinutes(2));
        host.WaitFor(l => l.StartsWith(kind + " ", StringComparison.Ordinal), "a second frame", from: first + 1);
        var lines = host.Lines.Select(l => l.Text).ToList();
        var lastBefore = long.Parse(lines.Take(first).Last(l => l.StartsWith("start ", StringComparison.Ordinal))["start ".Length..]);
        var values = lines.Skip(first).Where(l => l.StartsWith(kind + " ", StringComparison.Ordinal)).Select(l => long.Parse(l[(kind.Length + 1)..])).ToList();

        Assert.True(values[0] == lastBefore + 1, $"state lost: last old value {lastBefore}, first new value {values[0]}{Environment.NewLine}{host.Transcript()}");
        Assert.Equal(step, values[1] - values[0]);
        Assert.False(host.HasExited);
        Assert.Single(lines, l => l.Contains(" running", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("[hotreload] generation ", StringComparison.Ordinal) && l.Contains(" live · ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(": error ", StringComparison.Ordinal));

        if (kind == "package")
        {
            // A save after that build: the warm compiler's copy lists the new package too (with its hash, under the
            // package folder the host trusts), so the package loads again in the new generation.
            var at = host.Lines.Count;
            File.WriteAllText(ws.LogicFile, source.Replace("counter + 7", "counter + 9"));
            host.WaitFor(_ =>
            {
                var after = host.Lines.Skip(at).Select(l => l.Text).Where(l => l.StartsWith("package ", StringComparison.Ordinal))
                    .Select(l => long.Parse(l["package ".Length..])).ToList();
                return after.Zip(after.Skip(1)).Any(p => p.Second - p.First == 9);
            }, "a save after the package's build to go live", TimeSpan.FromMinutes(2), at);
            // No refusal (HR2004, HR2010, ...); HR2018 is the start's hint that this host, started without
            // DOTNET_MODIFIABLE_ASSEMBLIES, gets full copies rather than patches.
            Assert.DoesNotContain(host.Lines, l => l.Text.StartsWith("[hotreload] HR20", StringComparison.Ordinal) && !l.Text.StartsWith("[hotreload] HR2018", StringComparison.Ordinal));
        }
    }
}
