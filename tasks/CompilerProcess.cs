using System.Diagnostics;

namespace HotReload.Sdk.Tasks;

/// <summary>Runs csc.dll through the dotnet host with a response file, the way the Csc task does.</summary>
internal sealed class CompilerProcess
{
    private readonly string _dotnetHostPath;
    private readonly string _compilerPath;

    public CompilerProcess(string dotnetHostPath, string compilerPath)
    {
        _dotnetHostPath = dotnetHostPath;
        _compilerPath = compilerPath;
    }

    public sealed record Result(int ExitCode, IReadOnlyList<string> Output);

    /// <param name="useServer">Hand the compile to the compiler server (VBCSCompiler), as the build does with UseSharedCompilation.</param>
    public Result Run(string workingDirectory, string responseFile, bool noConfig, bool useServer, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(_dotnetHostPath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(_compilerPath);
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

        var output = new List<string>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.Add(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.Add(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (cancellation.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
        {
            process.WaitForExit();
        }

        lock (output)
        {
            return new Result(process.ExitCode, output.ToArray());
        }
    }
}
