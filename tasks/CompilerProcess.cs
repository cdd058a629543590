using System.Diagnostics;

namespace HotReload.Sdk.Tasks;

/// <summary>A running csc.dll, started through the dotnet host with a response file, the way the Csc task runs it.</summary>
internal sealed class CompilerProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private CompilerProcess(Process process) => _process = process;

    public sealed record Result(int ExitCode, IReadOnlyList<string> Output);

    /// <param name="useServer">Hand the compile to the compiler server (VBCSCompiler), as the build does with UseSharedCompilation.</param>
    public static CompilerProcess Start(string dotnetHostPath, string compilerPath, string workingDirectory, string responseFile, bool noConfig, bool useServer)
    {
        var start = new ProcessStartInfo(dotnetHostPath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(compilerPath);
        if (noConfig)
        {
            start.ArgumentList.Add("/noconfig");
        }

        start.ArgumentList.Add("/nologo");
        if (useServer)
        {
            start.ArgumentList.Add("/shared");
        }

        start.ArgumentList.Add("@" + responseFile);

        var compiler = new CompilerProcess(new Process { StartInfo = start });
        compiler._process.OutputDataReceived += (_, e) => compiler.Add(e.Data);
        compiler._process.ErrorDataReceived += (_, e) => compiler.Add(e.Data);
        compiler._process.Start();
        compiler._process.BeginOutputReadLine();
        compiler._process.BeginErrorReadLine();
        return compiler;
    }

    public Result WaitForExit(CancellationToken cancellation)
    {
        using (cancellation.Register(Kill))
        {
            _process.WaitForExit();
        }

        lock (_output)
        {
            return new Result(_process.ExitCode, _output.ToArray());
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }

    public void Dispose() => _process.Dispose();
}
