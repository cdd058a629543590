using System.Diagnostics;

namespace HotReload.Runtime;

/// <summary>
/// The warm compiler (HotReload.Compiler in the SDK package), run as a child process of a live host: it compiles the
/// library each time a source file is saved and publishes the copy to the folder the host watches. A child process
/// keeps Roslyn's memory and JIT out of the host, and a compiler crash away from it. It reads its standard input
/// from the host and exits when that pipe closes, so it ends with the host however the host ends, killed or not.
/// </summary>
internal sealed class WarmCompiler : IDisposable
{
    // Set for the host by dotnet watch or a debugger; they are not for the compiler.
    private static readonly string[] HostOnlyVariables = ["DOTNET_STARTUP_HOOKS", "DOTNET_MODIFIABLE_ASSEMBLIES"];

    private readonly Process _process;
    private readonly Action<string> _onLine;
    private readonly Action<int> _onExit;
    private readonly List<string> _errorOutput = [];
    private volatile bool _disposed;

    private WarmCompiler(Process process, Action<string> onLine, Action<int> onExit)
    {
        _process = process;
        _onLine = onLine;
        _onExit = onExit;
    }

    public int ProcessId => _process.Id;

    /// <summary>What the compiler wrote to its standard error (an unhandled exception), for the exit message.</summary>
    public string ErrorOutput
    {
        get { lock (_errorOutput) { return string.Join(Environment.NewLine, _errorOutput.TakeLast(20)); } }
    }

    /// <param name="manifest">The library's manifest: where the compiler and the dotnet host are.</param>
    /// <param name="onLine">Each <see cref="CompilerProtocol"/> line, on a background thread.</param>
    /// <param name="onExit">The exit code, when the compiler ends before the host disposes it.</param>
    public static WarmCompiler Start(CompileManifest manifest, Action<string> onLine, Action<int> onExit)
    {
        var start = new ProcessStartInfo(manifest.DotNetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = manifest.ProjectDirectory,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(manifest.CompilerTool);
        start.ArgumentList.Add(manifest.Path);
        start.ArgumentList.Add("--parent");
        start.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var variable in HostOnlyVariables)
        {
            start.Environment.Remove(variable);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var compiler = new WarmCompiler(process, onLine, onExit);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                compiler._onLine(line);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (compiler._errorOutput)
                {
                    compiler._errorOutput.Add(line);
                }
            }
        };
        process.Exited += (_, _) =>
        {
            if (!compiler._disposed)
            {
                process.WaitForExit(); // drains the output first
                compiler._onExit(process.ExitCode);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return compiler;
    }

    /// <summary>Ends the compiler: closing its input tells it to stop; a kill makes sure, with anything it started.</summary>
    public void Dispose()
    {
        _disposed = true;
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(2)))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // it has exited already
        }

        _process.Dispose();
    }
}
