using System.Diagnostics;
using System.Text;

namespace HotReload.Testing;

/// <summary>Runs the dotnet CLI in a folder the way a user's shell would, with the run's own NuGet package folder.</summary>
internal sealed class DotNet(string workingDirectory, string packagesFolder)
{
    // `dotnet run` may hand these to this driver; a child build must find MSBuild and the SDKs on its own.
    private static readonly string[] InheritedBuildVariables =
        ["MSBUILD_EXE_PATH", "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly", "MSBUILDNOINPROCNODE"];

    /// <param name="CpuTime">User + system time of the command's whole process tree (see <see cref="Machine.ChildrenCpuTime"/>).</param>
    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed, TimeSpan? CpuTime, string Command)
    {
        public Result ThrowIfFailed() => ExitCode == 0
            ? this
            : throw new InvalidOperationException($"`{Command}` exited with {ExitCode}:{Environment.NewLine}{Output}");
    }

    public string WorkingDirectory => workingDirectory;

    /// <summary>The start info of a dotnet command. The rest of this process's environment (UseSharedCompilation=false
    /// here) is passed on unchanged.</summary>
    public ProcessStartInfo StartInfo(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // No console input: dotnet watch must not think a user is there to answer its prompts.
            RedirectStandardInput = true,
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

        // No MSBuild node or build server outlives a command: nothing is left running after a test or a benchmark.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        return start;
    }

    /// <summary>Runs a command to its end; <see cref="Result.Elapsed"/> is its wall time, process start to exit.</summary>
    public Result Run(params string[] arguments)
    {
        var command = "dotnet " + string.Join(' ', arguments);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = StartInfo(arguments) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        var cpuBefore = Machine.ChildrenCpuTime();
        var stopwatch = Stopwatch.StartNew();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{command}` did not finish in 5 minutes:{Environment.NewLine}{output}");
        }

        var elapsed = stopwatch.Elapsed;
        process.WaitForExit(); // drains the output
        var cpu = Machine.ChildrenCpuTime() - cpuBefore;
        lock (output)
        {
            return new Result(process.ExitCode, output.ToString(), elapsed, cpu, command);
        }

        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }
    }
}
