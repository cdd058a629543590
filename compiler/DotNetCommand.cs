using System.Diagnostics;
using System.Text;

namespace HotReload.Compiler;

/// <summary>
/// A dotnet CLI command the compiler runs for the user (an item evaluation, a build), with its output captured. It can
/// be killed with its whole process tree, so nothing it started outlives the host.
/// </summary>
internal sealed class DotNetCommand
{
    // Set by `dotnet run` for the host; a child build must find MSBuild and the SDK on its own. The startup hook is
    // `dotnet watch`'s, for the host only.
    private static readonly string[] HostOnlyVariables =
    [
        "MSBUILD_EXE_PATH", "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly",
        "MSBUILDNOINPROCNODE", "DOTNET_STARTUP_HOOKS", "DOTNET_MODIFIABLE_ASSEMBLIES",
    ];

    private readonly object _gate = new();
    private Process? _running;
    private bool _stopped;

    public sealed record Result(int ExitCode, string Output);

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> to its end; null when <see cref="Stop"/> was called.</summary>
    public Result? Run(string dotnetHost, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(dotnetHost)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var variable in HostOnlyVariables)
        {
            start.Environment.Remove(variable);
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        lock (_gate)
        {
            if (_stopped)
            {
                return null;
            }

            process.Start();
            _running = process;
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        lock (_gate)
        {
            _running = null;
            if (_stopped)
            {
                return null;
            }
        }

        lock (output)
        {
            return new Result(process.ExitCode, output.ToString());
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

    /// <summary>Kills the running command with everything it started; no command starts afterwards.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            try
            {
                _running?.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // it has just exited
            }
        }
    }
}
