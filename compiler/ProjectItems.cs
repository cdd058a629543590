using System.Text.Json;

namespace HotReload.Compiler;

/// <summary>
/// The project's Compile items as MSBuild evaluates them now (<c>dotnet msbuild -getItem:Compile</c>): the same globs,
/// <c>Compile Remove</c> and conditions as the build. Asked only when a file appears that the compile does not have.
/// </summary>
internal static class ProjectItems
{
    /// <summary>The evaluated source files, full paths in the project's order; null when stopped.</summary>
    /// <exception cref="InvalidOperationException">The evaluation failed (its output is in the message).</exception>
    public static IReadOnlyList<string>? Evaluate(CompileManifest manifest, DotNetCommand command)
    {
        List<string> arguments = ["msbuild", manifest.ProjectFile, "-getItem:Compile", "-nologo", "-p:Configuration=" + manifest.Configuration];
        if (manifest.TargetFramework.Length > 0)
        {
            arguments.Add("-p:TargetFramework=" + manifest.TargetFramework);
        }

        var result = command.Run(manifest.DotNetHost, manifest.ProjectDirectory, [.. arguments]);
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

    internal static IReadOnlyList<string> Parse(string json)
    {
        using var document = JsonDocument.Parse(json[json.IndexOf('{')..]);
        return document.RootElement.GetProperty("Items").GetProperty("Compile").EnumerateArray()
            .Select(item => item.GetProperty("FullPath").GetString()!)
            .ToList();
    }
}
