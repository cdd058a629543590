using System.Diagnostics;
using System.Globalization;

namespace HotReload.Runtime;

/// <summary>
/// What the helper found: the holders and how it read the heap; or why it could not (<see cref="Refusal"/>; with
/// <see cref="Crashed"/> when the helper itself died or ran out of time rather than being refused); or that the
/// generation had gone. <see cref="HeapMoved"/>: collections ran in the host while it was read live, so a holder may
/// have moved out of the reader's sight.
/// </summary>
internal sealed record HelperReport(IReadOnlyList<StallCause> Causes, string Method, TimeSpan HostPause, string? Refusal, bool Gone, bool Crashed = false, bool HeapMoved = false)
{
    public static HelperReport Refused(string reason) => new([], "", TimeSpan.Zero, reason, Gone: false);

    public static HelperReport Failed(string reason) => new([], "", TimeSpan.Zero, reason, Gone: false, Crashed: true);
}

/// <summary>
/// Runs HotReload.Diagnosis, the helper process that reads the host's heap from outside (it ships in the HotReload.Sdk
/// package beside the warm compiler, under <c>tools/net10.0/diagnosis/</c>), and reads its <see cref="StallProtocol"/>
/// report. Runs on the unload tracker's thread; the host's threads go on.
/// </summary>
internal sealed class DiagnosisHelper(string dotNetHost, string tool)
{
    public const string FolderName = "diagnosis";
    public const string FileName = "HotReload.Diagnosis.dll";

    /// <summary>Longer than this, and the helper is stopped: a stall is reported with what the runtime finds itself.</summary>
    public static readonly TimeSpan MostTime = TimeSpan.FromSeconds(20);

    public string Tool => tool;

    /// <summary>The helper beside the warm compiler named in the library's manifest, or null with the reason.</summary>
    public static DiagnosisHelper? Locate(string? compileManifest, out string reason)
    {
        if (compileManifest is null || !File.Exists(compileManifest))
        {
            reason = "the host has no HotReload manifest (obj/<Library>.hotreload.manifest), which names the helper";
            return null;
        }

        try
        {
            var manifest = CompileManifest.Read(compileManifest);
            var tool = Path.Combine(Path.GetDirectoryName(manifest.CompilerTool) ?? "", FolderName, FileName);
            if (!File.Exists(tool))
            {
                reason = $"the helper '{tool}' is missing (was the HotReload.Sdk package folder cleared?)";
                return null;
            }

            reason = "";
            return new DiagnosisHelper(manifest.DotNetHost, tool);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or KeyNotFoundException)
        {
            reason = $"the manifest '{compileManifest}' could not be read ({e.Message.TrimEnd('.')})";
            return null;
        }
    }

    /// <summary>
    /// Runs the helper on process <paramref name="processId"/> for the generation whose assembly is
    /// <paramref name="assemblyName"/>; stops it when <paramref name="stop"/> is cancelled (the library is disposed).
    /// </summary>
    public HelperReport Run(int processId, string assemblyName, bool dumpOnly, int most, CancellationToken stop)
    {
        // The dump's path is chosen here, and the file deleted here: a helper stopped or crashed never leaves a
        // heap-sized file behind.
        var dumpPath = Path.Combine(Path.GetTempPath(), $"hotreload-stall-{processId}-{Guid.NewGuid():N}.dmp");
        try
        {
            return RunHelper(processId, assemblyName, dumpOnly, most, dumpPath, stop);
        }
        finally
        {
            try
            {
                File.Delete(dumpPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Still open somewhere (a helper that is being killed, on Windows): the system's temporary folder keeps it.
            }
        }
    }

    private HelperReport RunHelper(int processId, string assemblyName, bool dumpOnly, int most, string dumpPath, CancellationToken stop)
    {
        var start = new ProcessStartInfo(dotNetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The protocol's path separator is not ASCII: both sides speak UTF-8, whatever the host's console uses.
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(tool);
        start.ArgumentList.Add("--pid");
        start.ArgumentList.Add(processId.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--assembly");
        start.ArgumentList.Add(assemblyName);
        start.ArgumentList.Add("--most");
        start.ArgumentList.Add(most.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(StallProtocol.DumpPathOption);
        start.ArgumentList.Add(dumpPath);
        start.ArgumentList.Add(StallProtocol.DeadlineOption);
        start.ArgumentList.Add((MostTime.TotalSeconds + 5).ToString("F0", CultureInfo.InvariantCulture));
        if (dumpOnly)
        {
            start.ArgumentList.Add(StallProtocol.DumpOnlyOption);
        }

        foreach (var variable in WarmCompiler.HostOnlyVariables)
        {
            start.Environment.Remove(variable);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return HelperReport.Refused($"the helper could not start ({e.Message.TrimEnd('.')})");
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var progress = new List<string>(); // the helper's steps, on standard error
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                lock (progress)
                {
                    progress.Add(line);
                }
            }
        };
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync(stop);
        try
        {
            exited.Wait(MostTime);
        }
        catch (AggregateException)
        {
            // Stopped: the library was disposed.
        }

        if (!exited.IsCompletedSuccessfully)
        {
            Stop(process);
            return stop.IsCancellationRequested
                ? HelperReport.Refused("the library was disposed during the search")
                : HelperReport.Failed($"the helper took longer than {MostTime.TotalSeconds:F0} s{LastOf(progress, "its last step: ")}");
        }

        process.WaitForExit(); // the redirected streams are complete only then
        var report = Parse(output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return report ?? HelperReport.Failed($"the helper failed (exit code {process.ExitCode}{LastOf(progress, "")})");
    }

    private static void Stop(Process helper)
    {
        try
        {
            helper.Kill(); // the helper this started, by its own handle (it starts no process of its own)
            helper.WaitForExit();
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // It exited at that very moment.
        }
    }

    /// <summary>A report from the helper's lines; null when they do not end as the protocol says (the helper failed).</summary>
    public static HelperReport? Parse(IEnumerable<string> lines)
    {
        var causes = new List<StallCause>();
        foreach (var line in lines)
        {
            var fields = StallProtocol.Fields(line);
            switch (fields[0])
            {
                case StallProtocol.Holder when fields.Length == 6:
                    var path = fields[4].Split(StallProtocol.PathSeparator);
                    causes.Add(new StallCause(KindOf(fields[1]), fields[2], path, fields[3].Length > 0 ? fields[3] : null, fields[5]));
                    break;
                case StallProtocol.Done when fields.Length == 4:
                    return new HelperReport(causes, fields[1], Milliseconds(fields[2]), null, Gone: false);
                case StallProtocol.Refused when fields.Length == 2:
                    return HelperReport.Refused(fields[1]);
                case StallProtocol.Gone:
                    return new HelperReport([], "", TimeSpan.Zero, null, Gone: true);
            }
        }

        return null;
    }

    public static StallRootKind KindOf(string kind) => kind switch
    {
        StallProtocol.Kinds.StaticField => StallRootKind.StaticField,
        StallProtocol.Kinds.StaticEvent => StallRootKind.StaticEvent,
        StallProtocol.Kinds.Thread => StallRootKind.Thread,
        StallProtocol.Kinds.GCHandle => StallRootKind.GCHandle,
        StallProtocol.Kinds.FinalizerQueue => StallRootKind.FinalizerQueue,
        StallProtocol.Kinds.Stack => StallRootKind.Stack,
        StallProtocol.Kinds.Timer => StallRootKind.Timer,
        StallProtocol.Kinds.FrameworkCache => StallRootKind.FrameworkCache,
        _ => StallRootKind.Other,
    };

    private static TimeSpan Milliseconds(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero;

    /// <summary>The helper's last line on standard error (its last step, or the exception it ended with), for a message.</summary>
    private static string LastOf(List<string> progress, string prefix)
    {
        lock (progress)
        {
            var last = progress.LastOrDefault(l => !l.StartsWith("   at ", StringComparison.Ordinal))?.Trim();
            return last is null ? "" : ": " + prefix + (last.Length <= 300 ? last : last[..300] + "…");
        }
    }
}
