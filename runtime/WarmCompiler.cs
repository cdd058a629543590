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
    /// <summary>The host's own start-up hooks and settings, never a helper process's (the compiler, the stall diagnosis).</summary>
    public static readonly string[] HostOnlyVariables = ["DOTNET_STARTUP_HOOKS", "DOTNET_MODIFIABLE_ASSEMBLIES"];

    private readonly Process _process;
    private readonly string _library;
    private readonly Action<EventArgs> _report;
    private readonly Action _published;
    private readonly Action _patched;
    private readonly List<string> _diagnostics = [];
    private readonly List<string> _errorOutput = [];
    private volatile bool _disposed;

    private WarmCompiler(Process process, string library, Action<EventArgs> report, Action published, Action patched)
    {
        _process = process;
        _library = library;
        _report = report;
        _published = published;
        _patched = patched;
    }

    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts the compiler named in the library's manifest. Its lines come back as events for the host's thread through
    /// <paramref name="report"/> (<see cref="CompileFailedEventArgs"/>, <see cref="CompilerMessageEventArgs"/>), and a
    /// published copy through <paramref name="published"/>, on a background thread. Null, with an HR2005 warning
    /// reported, when it cannot start. A published patch comes through <paramref name="patched"/>.
    /// </summary>
    public static WarmCompiler? TryStart(string manifestPath, string library, Action<EventArgs> report, Action published, Action patched)
    {
        try
        {
            var manifest = CompileManifest.Read(manifestPath);
            if (!File.Exists(manifest.CompilerTool))
            {
                throw new FileNotFoundException($"the warm compiler '{manifest.CompilerTool}' is missing (was the HotReload.Sdk package folder cleared?)");
            }

            return Start(manifest, library, report, published, patched);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or System.ComponentModel.Win32Exception)
        {
            report(new CompilerMessageEventArgs(CompilerMessageSeverity.Warning,
                $"HR2005: saving does not reload {library}: {e.Message}. Build the library (dotnet build) to reload it."));
            return null;
        }
    }

    private static WarmCompiler Start(CompileManifest manifest, string library, Action<EventArgs> report, Action published, Action patched)
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
        var compiler = new WarmCompiler(process, library, report, published, patched);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                compiler.OnLine(line);
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
                compiler.OnExit(process.ExitCode);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return compiler;
    }

    /// <summary>On the output thread: one <see cref="CompilerProtocol"/> line.</summary>
    private void OnLine(string line)
    {
        var (verb, text) = CompilerProtocol.Split(line);
        switch (verb)
        {
            case CompilerProtocol.Published when CompilerProtocol.TryParsePublished(text, out _):
                _published(); // no need to wait for the folder's file event
                break;
            case CompilerProtocol.Patched:
                _patched();
                break;
            case CompilerProtocol.Diagnostic:
                lock (_diagnostics)
                {
                    _diagnostics.Add(text);
                }

                break;
            case CompilerProtocol.Failed:
                lock (_diagnostics)
                {
                    _report(new CompileFailedEventArgs(_diagnostics.ToArray()));
                    _diagnostics.Clear();
                }

                break;
            case CompilerProtocol.Ready:
                _report(new CompilerMessageEventArgs(CompilerMessageSeverity.Info, text == CompilerProtocol.TookOver
                    ? $"compiling {_library} on save (took over from the host that compiled it, which ended)"
                    : $"compiling {_library} on save (warmed up in {text} ms)"));
                break;
            case CompilerProtocol.Standby:
                _report(new CompilerMessageEventArgs(CompilerMessageSeverity.Info,
                    $"another host compiles {_library} on save; this one goes live on its copies, shows its errors, and takes over when it ends"));
                break;
            case CompilerProtocol.Warning:
                _report(new CompilerMessageEventArgs(CompilerMessageSeverity.Warning, text));
                break;
            case CompilerProtocol.Info:
                _report(new CompilerMessageEventArgs(CompilerMessageSeverity.Info, text));
                break;
        }
    }

    private void OnExit(int exitCode)
    {
        string detail;
        lock (_errorOutput)
        {
            detail = _errorOutput.Count > 0 ? ": " + string.Join(Environment.NewLine, _errorOutput.TakeLast(20)) : "";
        }

        _report(new CompilerMessageEventArgs(CompilerMessageSeverity.Warning,
            $"HR2006: the warm compiler exited with code {exitCode}{detail}. Saving no longer reloads {_library}; build the library to reload it, or restart the host."));
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
