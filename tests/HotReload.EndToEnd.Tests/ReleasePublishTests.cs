using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using HotReload.Testing;

namespace HotReload.EndToEnd.Tests;

/// <summary>
/// Release carries nothing of the reloader: the sample host published trimmed and as native AOT, with no trim or AOT
/// warning from our packages, running statically. Each publish runs once per test class.
/// </summary>
public sealed class ReleasePublishTests(ReleasePublishTests.Published published) : IClassFixture<ReleasePublishTests.Published>
{
    // The types that load, watch, compile and unload: none may survive trimming in a Release host.
    private static readonly string[] LiveModeTypes =
        ["GenerationLoadContext", "PreparedGeneration", "GenerationFolder", "GenerationWatcher", "UnloadTracker", "WarmCompiler", "HostAssemblies", "CompileManifest",
         "LeakDiagnosis", "RollbackHistory", "FaultLocation", "GenerationHooks", "PrivateDependencies", "TrustedRoots", "RealPaths",
         "LiveSession", "CopyPreparer", "GenerationSwitch", "StateMigrator", "MigrationPlanner", "MigrationCode", "GenerationTypeMap",
         "FieldInitializers", "FieldPairing", "IdentityMap", "ClassCopyPlan", "DelegatePlan", "HostTypes", "CollectionShape", "EnumTable",
         "StallDiagnosis", "DiagnosisHelper", "HelperReport", "CollectionPause", "MigrationRegion"];

    public sealed class Published : IDisposable
    {
        public Published()
        {
            Folder = Path.Combine(Workspace.Root, "trimmed");
            Trimmed = Workspace.Run("publish", "Host", "-c", "Release", "-r", "linux-x64", "-p:PublishTrimmed=true", "-o", Folder);
        }

        internal Workspace Workspace { get; } = new();

        public string Folder { get; }

        internal DotNet.Result Trimmed { get; }

        public void Dispose() => Workspace.Dispose();
    }

    private static IEnumerable<string> OurWarnings(DotNet.Result publish) =>
        publish.Output.Split('\n').Where(l => l.Contains("warning IL", StringComparison.Ordinal) && l.Contains("HotReload", StringComparison.Ordinal));

    private static IReadOnlyList<string> RunStatic(string program)
    {
        using var host = new HostProcess(new ProcessStartInfo(program, ["--frames", "3"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        });
        host.WaitFor(l => l == "2", "three frames");
        return host.Lines.Select(l => l.Text).ToList();
    }

    [Fact]
    public void A_trimmed_Release_host_has_no_warnings_from_our_packages_and_runs_statically()
    {
        published.Trimmed.ShouldSucceed();
        Assert.Empty(OurWarnings(published.Trimmed));
        Assert.DoesNotContain("IL2104", published.Trimmed.Output); // "assembly produced trim warnings", for any of ours

        var lines = RunStatic(Path.Combine(published.Folder, "Host"));
        Assert.Contains(lines, l => l.Contains("StateManipulation: static mode", StringComparison.Ordinal));
        Assert.Equal(["0", "1", "2"], lines.Where(l => !l.StartsWith('[')));
    }

    [Fact]
    public void The_trimmer_removes_every_live_mode_type_from_the_runtime()
    {
        published.Trimmed.ShouldSucceed();
        var trimmed = Path.Combine(published.Folder, "HotReload.Runtime.dll");
        var types = TypeNames(trimmed);
        Assert.Contains("ReloadableLibrary", types); // the facade stays: the host calls it
        Assert.Empty(types.Intersect(LiveModeTypes));

        // Entry points are found by name in each new copy (MethodIdentity.CreateDelegate): that lookup is gone too.
        // (The type may stay as the declared type of a binding's field, which is null in a Release host.)
        Assert.DoesNotContain("CreateDelegate", MethodNames(trimmed, "MethodIdentity"));
        Assert.DoesNotContain("Resolve", MethodNames(trimmed, "ILiveFunction"));

        // The runtime as packed has them all: the check above looks for the right names.
        var packed = Path.Combine(PackedFeed.Shared.PackagesFolder, "hotreload.runtime", PackedFeed.Shared.Version, "lib", "net10.0", "HotReload.Runtime.dll");
        Assert.Equal(LiveModeTypes.Order(), TypeNames(packed).Intersect(LiveModeTypes).Order());
        Assert.Contains("CreateDelegate", MethodNames(packed, "MethodIdentity"));
    }

    [SkippableFact]
    public void A_native_AOT_Release_host_builds_without_AOT_warnings_from_our_packages_and_runs()
    {
        Skip.If(FindOnPath("clang") is null, "clang is not installed: native AOT needs it on Linux (apt-get install clang; .ci/run installs it).");
        var folder = Path.Combine(published.Workspace.Root, "aot");
        var publish = published.Workspace.Run("publish", "Host", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", folder).ShouldSucceed();
        Assert.DoesNotContain(publish.Output.Split('\n'), l => (l.Contains("warning IL3", StringComparison.Ordinal) || l.Contains("warning IL2", StringComparison.Ordinal))
            && l.Contains("HotReload", StringComparison.Ordinal));

        Assert.Contains("Generating native code", publish.Output);
        Assert.False(File.Exists(Path.Combine(folder, "Host.dll")), "a native AOT publish has no IL assembly to run");

        var lines = RunStatic(Path.Combine(folder, "Host"));
        Assert.Contains(lines, l => l.Contains("StateManipulation: static mode", StringComparison.Ordinal));
        Assert.Equal(["0", "1", "2"], lines.Where(l => !l.StartsWith('[')));
    }

    private static IReadOnlyList<string> TypeNames(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        var metadata = pe.GetMetadataReader();
        return metadata.TypeDefinitions.Select(t => metadata.GetString(metadata.GetTypeDefinition(t).Name)).ToList();
    }

    private static IReadOnlyList<string> MethodNames(string assembly, string typeName)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        var metadata = pe.GetMetadataReader();
        return metadata.TypeDefinitions.Select(metadata.GetTypeDefinition)
            .Where(t => metadata.GetString(t.Name) == typeName)
            .SelectMany(t => t.GetMethods().Select(m => metadata.GetString(metadata.GetMethodDefinition(m).Name)))
            .ToList();
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, program))
            .FirstOrDefault(File.Exists);
}
