using System.Diagnostics;
using System.Text;

namespace HotReload.EndToEnd.Tests;

/// <summary>Runs the dotnet CLI the way a user's shell would, with the test run's own NuGet package folder.</summary>
internal static class DotNet
{
    // Set by `dotnet test` for its own build; a child build must find MSBuild and the SDKs on its own, as a user's would.
    private static readonly string[] InheritedBuildVariables =
        ["MSBUILD_EXE_PATH", "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly", "MSBUILDNOINPROCNODE"];

    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed)
    {
        public Result ShouldSucceed()
        {
            Assert.True(ExitCode == 0, $"dotnet exited with {ExitCode}:{Environment.NewLine}{Output}");
            return this;
        }

        public Result ShouldFail()
        {
            Assert.True(ExitCode != 0, $"dotnet was expected to fail:{Environment.NewLine}{Output}");
            return this;
        }
    }

    public static ProcessStartInfo StartInfo(string workingDirectory, string packagesFolder, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var variable in InheritedBuildVariables)
        {
            start.Environment.Remove(variable);
        }

        start.Environment["NUGET_PACKAGES"] = packagesFolder;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        return start;
    }

    public static Result Run(string workingDirectory, string packagesFolder, params string[] arguments)
    {
        var start = StartInfo(workingDirectory, packagesFolder, arguments);
        var output = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish in 5 minutes:{Environment.NewLine}{output}");
        }

        process.WaitForExit();
        lock (output)
        {
            return new Result(process.ExitCode, $"> dotnet {string.Join(' ', arguments)}{Environment.NewLine}{output}", stopwatch.Elapsed);
        }
    }
}
