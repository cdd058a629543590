using System.Text.Json;

namespace HotReload.Compiler;

/// <summary>
/// The project's Compile items as MSBuild evaluates them now: the same globs, <c>Compile Remove</c> and conditions as
/// the build. Asked only when a file appears that the compile does not have. Evaluated in this process, warm
/// (<see cref="WarmProjectEvaluation"/>); where that cannot run (no SDK MSBuild recorded, or it fails where the CLI does
/// not), by <c>dotnet msbuild -getItem:Compile</c>, a process of its own.
/// </summary>
internal sealed class ProjectItems : IDisposable
{
    private readonly CompileManifest _manifest;
    private readonly DotNetCommand _command;
    private readonly Action<string> _info;
    private WarmProjectEvaluation? _warm;
    private string? _whyNotWarm;

    /// <param name="info">Told once, in a line, when the warm evaluation is given up for the session, and why.</param>
    public ProjectItems(CompileManifest manifest, DotNetCommand command, Action<string> info)
    {
        _manifest = manifest;
        _command = command;
        _info = info;
        if (manifest.MSBuildDirectory is { } directory && File.Exists(Path.Combine(directory, "Microsoft.Build.dll")))
        {
            _warm = new WarmProjectEvaluation(manifest.ProjectFile, GlobalProperties(manifest));
        }
        else
        {
            _whyNotWarm = $"the build recorded no .NET SDK MSBuild the compiler can load ('{manifest.MSBuildDirectory}')";
        }
    }

    /// <summary>
    /// Evaluates once ahead of the first new file, so that it is listed as fast as the tenth (MSBuild's JIT, the SDK's
    /// resolvers and imports parsed). Nothing is reported from here: a failure shows again when a file comes.
    /// </summary>
    public void WarmUp()
    {
        try
        {
            _warm?.Evaluate();
        }
        catch (Exception e) when (IsEvaluationFailure(e))
        {
        }
    }

    /// <summary>The evaluated source files, full paths in the project's order; null when stopped.</summary>
    /// <exception cref="InvalidOperationException">The evaluation failed (its output is in the message).</exception>
    public IReadOnlyList<string>? Evaluate()
    {
        if (_warm is { } warm)
        {
            try
            {
                return warm.Evaluate();
            }
            catch (Exception e) when (IsEvaluationFailure(e))
            {
                // Asked again in a process of its own: an error in the project fails there too and is reported as
                // before; if it succeeds, this process cannot evaluate the project, and the CLI is used from now on.
                var listed = EvaluateWithCli();
                _warm = null;
                warm.Dispose();
                _whyNotWarm = $"the SDK's MSBuild could not evaluate the project in the compiler: {e.GetType().Name}: {e.Message}";
                return Cold(listed);
            }
        }

        return Cold(EvaluateWithCli());
    }

    // Said once: a new file then takes a process of its own, which the user should know when it feels slow.
    private IReadOnlyList<string>? Cold(IReadOnlyList<string>? listed)
    {
        if (_whyNotWarm is { Length: > 0 } reason && listed is not null)
        {
            _info($"new source files are listed with `dotnet msbuild` (0.6-1 s each): {reason}");
            _whyNotWarm = "";
        }

        return listed;
    }

    public void Dispose() => _warm?.Dispose();

    // Anything MSBuild's assemblies throw: the project's error, or assemblies that do not load or fit (another SDK).
    private static bool IsEvaluationFailure(Exception e) =>
        e is not (OutOfMemoryException or OperationCanceledException);

    private IReadOnlyList<string>? EvaluateWithCli()
    {
        List<string> arguments = ["msbuild", _manifest.ProjectFile, "-getItem:Compile", "-nologo"];
        arguments.AddRange(GlobalProperties(_manifest).Select(p => $"-p:{p.Key}={p.Value}"));
        var result = _command.Run(_manifest.DotNetHost, _manifest.ProjectDirectory, [.. arguments]);
        if (result is null)
        {
            return null;
        }

        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"`dotnet msbuild -getItem:Compile` failed:{Environment.NewLine}{result.Output}");
        }

        return Parse(result.Output);
    }

    /// <summary>The global properties the build evaluated the project with, for either way of evaluating it.</summary>
    internal static Dictionary<string, string> GlobalProperties(CompileManifest manifest)
    {
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Configuration"] = manifest.Configuration };
        if (manifest.TargetFramework.Length > 0)
        {
            properties["TargetFramework"] = manifest.TargetFramework;
        }

        return properties;
    }

    internal static IReadOnlyList<string> Parse(string json)
    {
        using var document = JsonDocument.Parse(json[json.IndexOf('{')..]);
        return document.RootElement.GetProperty("Items").GetProperty("Compile").EnumerateArray()
            .Select(item => item.GetProperty("FullPath").GetString()!)
            .ToList();
    }
}
