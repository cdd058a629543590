using Microsoft.Build.Evaluation;

namespace HotReload.Compiler;

/// <summary>
/// The project's Compile items evaluated in this process by the SDK's own MSBuild (the build's, from the manifest's
/// <c>msbuild-directory</c>), kept warm: a new source file is listed in about 30 ms instead of the 0.6-1 s of a
/// <c>dotnet msbuild -getItem:Compile</c> process. The same project, global properties, globs, <c>Compile Remove</c>
/// and conditions as the build. The parsed project and its imports are kept between evaluations and dropped when any of
/// them changed on disk, so an edited project file or Directory.Build.props is never evaluated from a stale copy.
/// </summary>
internal sealed class WarmProjectEvaluation : IDisposable
{
    private readonly string _projectFile;
    private readonly Dictionary<string, string> _globalProperties;
    private readonly object _gate = new();
    private ProjectCollection? _collection;
    private Dictionary<string, DateTime> _inputs = [];

    public WarmProjectEvaluation(string projectFile, Dictionary<string, string> globalProperties)
    {
        _projectFile = projectFile;
        _globalProperties = globalProperties;
    }

    /// <summary>The evaluated source files, full paths in the project's order.</summary>
    /// <exception cref="InvalidOperationException">The project could not be evaluated (MSBuild's message is in it).</exception>
    public IReadOnlyList<string> Evaluate()
    {
        lock (_gate)
        {
            if (_collection is not null && _inputs.Any(input => File.GetLastWriteTimeUtc(input.Key) != input.Value))
            {
                _collection.Dispose(); // a project file or an import changed: parse them all again
                _collection = null;
            }

            _collection ??= new ProjectCollection(_globalProperties);
            Project project;
            try
            {
                project = _collection.LoadProject(_projectFile);
            }
            catch (Microsoft.Build.Exceptions.InvalidProjectFileException e)
            {
                throw new InvalidOperationException(e.Message, e);
            }

            try
            {
                _inputs = project.Imports.Select(i => i.ImportedProject.FullPath).Append(_projectFile)
                    .Distinct().ToDictionary(path => path, File.GetLastWriteTimeUtc);
                return project.GetItems("Compile").Select(item => item.GetMetadataValue("FullPath")).ToList();
            }
            finally
            {
                // The next evaluation globs again; the parsed XML stays in the collection's cache.
                _collection.UnloadProject(project);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _collection?.Dispose();
            _collection = null;
        }
    }
}
