namespace HotReload.EndToEnd.Tests;

/// <summary>
/// A real host refuses what its build does not vouch for: a copy whose dependency list sends an assembly outside the
/// folders the host's build trusts (HR2010), and a copy reached through a link (HR2011). It keeps running the code it
/// has, and the next real build goes live.
/// </summary>
public sealed class TrustTests
{
    [Fact]
    public void Planted_copies_are_refused_and_the_host_keeps_running()
    {
        using var ws = new Workspace();
        ws.BuildHost("-p:HotReloadCompileOnSave=false").ShouldSucceed();
        var config = File.ReadAllText(Path.Combine(ws.Root, "Host", "bin", "Debug", "net10.0", "Host.runtimeconfig.json"));
        Assert.Contains("\"HotReload.DependencyRoots.StateManipulation\": ", config);
        Assert.Contains(Path.Combine(ws.Root, "Common", "bin", "Debug", "net10.0"), config); // what the library references

        using var host = ws.StartHost();
        host.WaitFor(l => l.Contains("generation 1 running", StringComparison.Ordinal), "the host to start on copy 1");
        host.WaitFor(l => l == "5", "a few frames");

        // Copy 2, planted by hand: the build's own copy, and a list line that sends an assembly the host lacks to a
        // file outside the trusted folders. Its hash is right: the place alone refuses it.
        var payload = Path.Combine(ws.Root, "outside", "Payload.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(payload)!);
        File.Copy(Path.Combine(ws.Root, "Common", "bin", "Debug", "net10.0", "Common.dll"), payload);
        var staging = Path.Combine(ws.CopiesFolder, ".staging-planted");
        Directory.CreateDirectory(staging);
        File.Copy(Path.Combine(ws.CopiesFolder, "1", "StateManipulation.1.dll"), Path.Combine(staging, "StateManipulation.2.dll"));
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(payload)));
        File.WriteAllLines(Path.Combine(staging, "dependencies.txt"),
            [.. File.ReadAllLines(Path.Combine(ws.CopiesFolder, "1", "dependencies.txt")), hash + "\t" + payload]);
        var at = host.Lines.Count;
        Directory.Move(staging, Path.Combine(ws.CopiesFolder, "2"));

        var refused = host.WaitFor(l => l.StartsWith("[hotreload] HR2010: ", StringComparison.Ordinal), "the planted copy to be refused", from: at);
        var message = host.Lines[refused].Text;
        Assert.Contains(payload, message);
        Assert.Contains(Path.Combine(ws.CopiesFolder, "2", "dependencies.txt"), message);
        Assert.Contains("outside the folders the host's build trusts", message);

        // Copy 3, a real copy in a folder elsewhere, linked into the folder of copies.
        var elsewhere = Path.Combine(ws.Root, "outside", "3");
        Directory.CreateDirectory(elsewhere);
        File.Copy(Path.Combine(ws.CopiesFolder, "1", "StateManipulation.1.dll"), Path.Combine(elsewhere, "StateManipulation.3.dll"));
        Directory.CreateSymbolicLink(Path.Combine(ws.CopiesFolder, "3"), elsewhere);
        host.WaitFor(l => l.StartsWith("[hotreload] HR2011: ", StringComparison.Ordinal) && l.Contains(elsewhere, StringComparison.Ordinal),
            "the linked copy to be refused", from: at);

        // Generation 1 kept running all along, in the same process.
        var last = LiveEdits.Counters(host).Last().Value;
        host.WaitFor(l => long.TryParse(l, out var v) && v >= last + 5, "five more frames", from: at);
        Assert.False(host.HasExited);
        Assert.DoesNotContain(host.Lines, l => l.Text.Contains(" live · ", StringComparison.Ordinal));

        // The next build goes live, numbered above the planted copies.
        ws.Edit(ws.LogicFile, "state.Counter += 1;", "state.Counter += 3;");
        var build = ws.BuildLibrary().ShouldSucceed();
        Assert.Contains("reloadable copy 4", build.Output);
        host.WaitFor(l => l.StartsWith("[hotreload] generation 4 live", StringComparison.Ordinal), "the built copy to go live", from: at);
        LiveEdits.WaitForStep(host, 3, at, "the step 3");
        Assert.Single(host.Lines, l => l.Text.StartsWith("[hotreload] StateManipulation: live mode", StringComparison.Ordinal)); // one start
    }
}
