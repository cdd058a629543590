using System.Diagnostics;
using System.Globalization;
using HotReload.Compiler.Patching;
using HotReload.Sdk.Tasks;

namespace HotReload.Compiler;

/// <summary>
/// Save to live: watches the library's files and, from each save's first event, brings the warm compilation up to
/// date, compiles, waits for the files to settle (<see cref="FileEvents.Settle"/>), and publishes the patch or copy
/// through the same <see cref="GenerationStore"/> as the build. What the warm path cannot take (the project file,
/// Directory.Build.*, a referenced project) runs a real <c>dotnet build</c>, which publishes its own copy, and the
/// compilation is loaded again from the command line that build recorded.
/// </summary>
internal sealed class CompileSession : IDisposable
{
    private readonly CompileManifest _manifest;
    private readonly HostChannel _host;
    private readonly GenerationStore _store;
    private readonly AnalyzerLoader _analyzers = new();
    private readonly DependencyHashes _dependencyHashes = new();
    private readonly DotNetCommand _command = new();
    private readonly FileEvents _events;
    private readonly PatchPath _patches;
    private readonly ProjectItems _items;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<string> _buildFiles;
    private readonly List<string> _excluded;
    private readonly List<string> _referencedProjectDirectories;
    private WarmCompilation? _compilation;
    private List<string> _sources = [];
    private DateTime _responseFileWrite;
    private IReadOnlyList<string> _loadedArguments = [];

    // Set when a change needs a real build and that build failed: every later save builds again until one succeeds,
    // since the warm compilation still has the command line from before the change.
    private string? _owedBuild;

    // Set when a compile's copy was dropped for a newer save: the compilation already holds that content, so the next
    // batch must publish even if its files turn out unchanged (a second event of the same write, say).
    private bool _owedCopy;

    // The batch being handled: how long its first event waited to be taken, and when the work on it began (the copy's
    // compile time runs from there: a source list evaluation, reading and parsing, generators, emit and settling).
    private TimeSpan _debounce;
    private long _batchTaken;

    // The last HR1011 line sent, so the same skipped folders are reported once, not on every save.
    private string? _skippedReported;

    public CompileSession(CompileManifest manifest, HostChannel host)
    {
        _manifest = manifest;
        _host = host;
        _store = new GenerationStore(manifest.CopiesDirectory, manifest.CounterFile);
        _buildFiles = new HashSet<string>(manifest.BuildFiles.Append(manifest.ProjectFile).Select(Path.GetFullPath), PathComparer);
        _excluded = manifest.ExcludedDirectories.Select(Directory).ToList();
        _referencedProjectDirectories = manifest.ReferencedProjects.Select(p => Directory(Path.GetDirectoryName(p)!)).ToList();
        _events = new FileEvents(IsRelevant);
        _patches = new PatchPath(manifest, _store, host);
        _items = new ProjectItems(manifest, _command, line => _host.Send(CompilerProtocol.Info, line));
    }

    private static StringComparer PathComparer => OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    private static StringComparison PathComparison => OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>
    /// Warms up, then compiles on every save until <see cref="Stop"/>. While another host's compiler compiles this
    /// library (it holds the compiler lock), this one stands by warm, relays that compiler's lines to its own host,
    /// and takes over when the lock is released: one save, one copy, every host live.
    /// </summary>
    public void Run()
    {
        var stopwatch = Stopwatch.StartNew();
        Load();
        WarmUp();
        var items = WarmUpItems();

        var first = CrossProcessLock.TryAcquire(_manifest.CompilerLockFile);
        using var role = first ?? StandBy();
        if (role is null)
        {
            return; // stopped while standing by
        }

        _host.ShareTo(_manifest.SharedLogFile);
        WatchFolders();

        // Ready is said once the first save runs as fast as the tenth: the copy patches go to is readied (or what was
        // saved meanwhile is compiled), and the project's evaluation is warm. Saves made before it are not lost: the
        // folders are watched already.
        CatchUp();
        items.Join(ItemsWarmUpWait);
        _host.Send(CompilerProtocol.Ready, first is null
            ? CompilerProtocol.TookOver
            : ((long)stopwatch.Elapsed.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        ReportSkippedFolders();

        while (_events.Take(_stop.Token) is { } batch)
        {
            _debounce = batch.SinceFirstSeen;
            _batchTaken = Stopwatch.GetTimestamp();
            try
            {
                Handle(batch);
            }
            catch (Exception e) when (e is not OutOfMemoryException && !_stop.IsCancellationRequested)
            {
                // Whatever one save runs into (a file system error, a generator that throws), the next save is tried.
                _host.Send(CompilerProtocol.Warning, $"HR3002: the save could not be compiled: {e.GetType().Name}: {e.Message} Save again, or build the library.");
            }
        }
    }

    /// <summary>
    /// Relays the compiling compiler's lines to this host until its lock is free, then holds the lock; null when the
    /// session is stopped first.
    /// </summary>
    private CrossProcessLock? StandBy()
    {
        _host.Send(CompilerProtocol.Standby, "");
        CrossProcessLock? taken = null;
        var relay = new SharedLogRelay(_manifest.SharedLogFile, _host);
        var polls = 0;

        // The lock is tried every fifth poll (50 ms): a takeover within a frame, at little cost while standing by.
        relay.RunUntil(() => _stop.IsCancellationRequested
            || (++polls % 5 == 0 && (taken = CrossProcessLock.TryAcquire(_manifest.CompilerLockFile)) is not null));
        return taken;
    }

    /// <summary>
    /// Brings the warm compilation up to what is on disk now, without a copy for what the build or the compiler before
    /// this one already published; compiles only sources saved after the newest copy.
    /// </summary>
    private void CatchUp()
    {
        if (File.GetLastWriteTimeUtc(_manifest.ResponseFile) != _responseFileWrite)
        {
            Load(); // a build recorded another command line while this compiler stood by
        }

        var newestCopy = _store.PublishedGenerations() is [var newest, ..]
            ? System.IO.Directory.GetLastWriteTimeUtc(_store.FolderOf(newest))
            : DateTime.MinValue;
        var lastCompile = File.GetLastWriteTimeUtc(_manifest.IntermediateAssembly);
        var since = newestCopy > lastCompile ? newestCopy : lastCompile;
        _sources = _sources.Where(File.Exists).ToList();
        var savedSince = _sources.Any(s => !IsExcluded(s) && File.GetLastWriteTimeUtc(s) > since);
        try
        {
            _compilation!.Update(_sources, _sources.ToHashSet(PathComparer));
        }
        catch (IOException)
        {
            savedSince = true; // being written right now: compile what it holds once it is quiet
        }

        if (savedSince)
        {
            _batchTaken = Stopwatch.GetTimestamp();
            CompileAndPublish(null);
        }
        else
        {
            _patches.AdoptBuiltCopy(_compilation!);
        }
    }

    /// <summary>Ends the session from any thread: a running build is killed with its process tree.</summary>
    public void Stop()
    {
        _stop.Cancel();
        _command.Stop();
        _events.Wake();
    }

    private void WatchFolders()
    {
        _events.Watch(_manifest.ProjectDirectory, recursive: true);
        foreach (var folder in _referencedProjectDirectories)
        {
            _events.Watch(folder, recursive: true);
        }

        // Directory.Build.* and other build files above the project, one folder each, only their own names.
        foreach (var file in _buildFiles.Where(f => !IsUnder(f, _manifest.ProjectDirectory)))
        {
            _events.Watch(Path.GetDirectoryName(file)!, recursive: false, Path.GetFileName(file));
        }

        // The command line recorded by a build the user runs: the compile must follow it (a new file, a new package).
        _events.Watch(Path.GetDirectoryName(_manifest.ResponseFile)!, recursive: false, Path.GetFileName(_manifest.ResponseFile));

        // A host whose runtime refused a patch asks for a full copy (PatchlessHosts): made at once, not at the next save.
        System.IO.Directory.CreateDirectory(_manifest.PatchlessHostsFolder);
        _events.Watch(_manifest.PatchlessHostsFolder, recursive: false, "*.refused");
    }

    private void Load()
    {
        _responseFileWrite = File.GetLastWriteTimeUtc(_manifest.ResponseFile);
        _loadedArguments = RecordedCommandLine.ReadArguments(_manifest.ResponseFile) ?? [];
        _compilation = WarmCompilation.Load(_manifest.ResponseFile, _manifest.ProjectDirectory, _analyzers);
        _patches.Reset(); // its copy came from another command line
        _sources = _compilation.SourcePaths.ToList();
        WatchOutsideSources();
    }

    // Linked sources outside the project folder (Compile Include="../Shared/X.cs").
    private void WatchOutsideSources()
    {
        foreach (var folder in _sources.Where(s => !IsUnder(s, _manifest.ProjectDirectory) && !IsExcluded(s))
                     .Select(s => Path.GetDirectoryName(s)!).Distinct(PathComparer))
        {
            _events.Watch(folder, recursive: false, "*.cs");
        }
    }

    /// <summary>Throwaway compiles, so that the first real edit runs as fast as the tenth (JIT, generators, caches).</summary>
    private void WarmUp()
    {
        for (var i = 0; i < 3; i++)
        {
            if (_sources.Count > 0)
            {
                _compilation!.Update(_sources, new HashSet<string>([_sources[i % _sources.Count]], PathComparer));
            }

            var output = _compilation!.Emit(_manifest.AssemblyName + ".warmup");
            if (i == 0 && output is { Compilation: { } compiled, Assembly: { } assembly, Pdb: { } pdb })
            {
                _patches.WarmUp(compiled, assembly, pdb);
            }
        }
    }

    // How long the ready line waits for the project's first evaluation: it takes about 0.3 s, but a project whose SDK
    // resolution stalls must not hold up compiling on save (only a new file waits for it then).
    private static readonly TimeSpan ItemsWarmUpWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The project evaluated once beside the catching up, so the first new source file is listed as fast as the tenth.
    /// </summary>
    private Thread WarmUpItems()
    {
        var thread = new Thread(_items.WarmUp) { IsBackground = true, Name = "HotReload project evaluation warm-up" };
        thread.Start();
        return thread;
    }

    private void Handle(EventBatch batch)
    {
        var buildReason = default(string);
        var touched = new HashSet<string>(PathComparer);
        var evaluate = batch.Overflowed;
        var commandLineChanged = false;
        var fullCopyWanted = false;
        var known = new HashSet<string>(_sources, PathComparer);
        foreach (var e in batch.Events)
        {
            foreach (var path in e.Paths)
            {
                switch (RoleOf(path))
                {
                    case PathRole.PatchlessHost:
                        fullCopyWanted |= PatchlessHosts.WantsFullCopyNow(path) && File.Exists(path);
                        break;
                    case PathRole.CommandLine:
                        commandLineChanged |= File.GetLastWriteTimeUtc(path) != _responseFileWrite;
                        break;
                    case PathRole.BuildFile:
                        buildReason ??= $"{Path.GetFileName(path)} changed";
                        break;
                    case PathRole.ReferencedProject:
                        var referenced = _referencedProjectDirectories.First(d => IsUnder(path, d));
                        buildReason ??= $"the referenced project in {referenced.TrimEnd(Path.DirectorySeparatorChar)} changed";
                        break;
                    case PathRole.SourceOrOther when known.Contains(path):
                        touched.Add(path);
                        break;
                    default:
                        evaluate |= MayChangeSourceList(path);
                        break;
                }
            }
        }

        buildReason ??= _owedBuild is not null && (touched.Count > 0 || evaluate) ? _owedBuild : null;
        if (buildReason is not null)
        {
            BuildAndReload(buildReason, batch);
        }
        else if (commandLineChanged)
        {
            // A build the user ran recorded another command line and published its own copy.
            Reload(batch);
        }
        else if (evaluate && EvaluatedSources() is { } sources)
        {
            _sources = sources;
            CompileAndPublish(touched, batch);
        }
        else if (touched.Count > 0 || evaluate)
        {
            CompileAndPublish(touched, batch);
        }
        else if (fullCopyWanted || _owedCopy)
        {
            // The code on disk is what the refused patch carried: the same code, as a full copy. Or a copy was dropped
            // for events that turned out to change nothing: the compilation holds content not yet published.
            _owedCopy = true;
            CompileAndPublish(touched, batch);
        }
    }

    /// <summary>
    /// True for a path the compile does not have that may change what compiles, which MSBuild is then asked: a new
    /// source file, a folder with sources that came, or a folder that held sources. An editor's temporary or backup
    /// file is none of these.
    /// </summary>
    private bool MayChangeSourceList(string path)
    {
        if (path.EndsWith(".cs", PathComparison))
        {
            return File.Exists(path); // a source that is gone was never compiled
        }

        if (System.IO.Directory.Exists(path))
        {
            return System.IO.Directory.EnumerateFiles(path, "*.cs", SearchOption.AllDirectories).Any();
        }

        return _sources.Any(s => IsUnder(s, path));
    }

    private List<string>? EvaluatedSources()
    {
        try
        {
            var evaluated = _items.Evaluate();
            if (evaluated is null)
            {
                return null;
            }

            // Files the build's targets add (AssemblyInfo, global usings) are in obj/, never in the evaluation.
            return evaluated.Select(Path.GetFullPath).Concat(_sources.Where(IsExcluded)).Distinct(PathComparer).ToList();
        }
        catch (InvalidOperationException e)
        {
            _host.Send(CompilerProtocol.Warning, "HR3002: could not list the library's source files; save again or build it. " + e.Message);
            return null;
        }
    }

    private void CompileAndPublish(IReadOnlySet<string>? touched, EventBatch? batch = null)
    {
        var compilation = _compilation!;
        IReadOnlyList<string> changed;
        var existing = _sources.Where(File.Exists).ToList();
        try
        {
            changed = compilation.Update(existing, touched);
        }
        catch (IOException)
        {
            // A file was being written while it was read: look again once it is quiet.
            if (batch is not null)
            {
                _events.Requeue(batch.Events);
            }

            return;
        }

        _sources = existing;
        if (changed.Count == 0 && touched is not null && !_owedCopy)
        {
            return; // saved without a change: the newest copy (or the last error) is already this code
        }

        _owedCopy = false;
        var outcome = _patches.TryPublish(compilation, Settled, _debounce, _batchTaken);
        if (outcome == SaveOutcome.Handled)
        {
            return;
        }

        // A full copy is emitted only from files that have settled: its emit is long, and a save still being written
        // would be thrown away after it.
        if (outcome == SaveOutcome.Superseded || !Settled())
        {
            _owedCopy = true; // the compilation holds content not yet published: the next batch publishes even if unchanged
            return;
        }

        try
        {
            EmitAndPublish(compilation);
        }
        catch (CopyNumbersExhaustedException e)
        {
            _owedCopy = true; // once the folder or counter is dealt with, the next save publishes even if it changes nothing
            _host.Send(CompilerProtocol.Warning, CopyNumbersExhaustedException.Code + ": " + e.Message);
        }
    }

    /// <summary>
    /// True once the files have been quiet for <see cref="FileEvents.Quiet"/> and no event since the batch was taken
    /// changed what was compiled (<see cref="ChangesNothingCompiled"/>). Otherwise the events go back to be taken at
    /// once, and what was compiled is dropped for them.
    /// </summary>
    private bool Settled()
    {
        if (_events.Settle(_stop.Token) is not { } later)
        {
            return false; // events were dropped, or the session stops: every file is looked at again
        }

        if (later.All(ChangesNothingCompiled))
        {
            return true;
        }

        _events.Requeue(later);
        return false;
    }

    /// <summary>
    /// True for an event about a source that holds exactly what was compiled from it (the same write, seen twice, or
    /// the rename that put it there), or about a file that is no input of the compile at all (an editor's swap or
    /// backup file beside the source).
    /// </summary>
    private bool ChangesNothingCompiled(FileEvent e) =>
        e.Paths.All(path =>
            RoleOf(path) == PathRole.SourceOrOther
            && (_sources.FirstOrDefault(s => PathComparer.Equals(s, path)) is { } source
                ? _compilation!.HoldsOnDisk(source)
                : !MayChangeSourceList(path)));

    /// <summary>What a file named by a file event is to the compile, but for a source and any other file.</summary>
    private enum PathRole
    {
        /// <summary>A host's marker: it cannot apply patches (a <c>refused</c> one asks for a full copy now).</summary>
        PatchlessHost,

        /// <summary>The command line a build recorded.</summary>
        CommandLine,

        /// <summary>The project file, Directory.Build.* or another file of the build: a real build is needed.</summary>
        BuildFile,

        /// <summary>A file of a referenced project: a real build is needed.</summary>
        ReferencedProject,

        /// <summary>A source of the compile, a new one, or a file that is none of the above (an editor's backup).</summary>
        SourceOrOther,
    }

    private PathRole RoleOf(string path) =>
        IsUnder(path, _manifest.PatchlessHostsFolder) ? PathRole.PatchlessHost
        : PathComparer.Equals(path, _manifest.ResponseFile) ? PathRole.CommandLine
        : _buildFiles.Contains(path) ? PathRole.BuildFile
        : _referencedProjectDirectories.Any(d => IsUnder(path, d)) ? PathRole.ReferencedProject
        : PathRole.SourceOrOther;

    /// <summary>Emits under the next number and publishes, unless the compile fails or a newer save is already waiting.</summary>
    /// <exception cref="CopyNumbersExhaustedException">No next copy number fits.</exception>
    private void EmitAndPublish(WarmCompilation compilation)
    {
        var generation = _store.NextGeneration();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var output = compilation.Emit(_manifest.AssemblyName + "." + generation.ToString(CultureInfo.InvariantCulture));
            if (output.Assembly is null)
            {
                foreach (var error in output.Errors)
                {
                    _host.Send(CompilerProtocol.Diagnostic, error);
                }

                _host.Send(CompilerProtocol.Failed, output.Errors.Count.ToString(CultureInfo.InvariantCulture));
                return;
            }

            if (_events.HasPending)
            {
                _owedCopy = true; // a newer save is waiting: the last content wins, this copy would be outdated at once
                return;
            }

            if (_store.TryReserve(generation))
            {
                TryPublish(generation, output);
                return;
            }

            generation = _store.NextGeneration(); // a build took the number meanwhile; it is baked into the name
        }

        _host.Send(CompilerProtocol.Warning, "HR3003: other builds kept taking the next copy number; save again.");
    }

    private void TryPublish(int generation, WarmCompilation.Output output)
    {
        try
        {
            Publish(generation, output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _store.Unreserve(generation);
            _owedCopy = true; // the next save tries again, even if it changes nothing
            _host.Send(CompilerProtocol.Warning, $"HR3004: copy {generation} could not be written to '{_store.Root}': {e.Message} Save again once the folder is writable.");
        }
    }

    private void Publish(int generation, WarmCompilation.Output output)
    {
        // Held while it is written; disposed unpublished (a failed write), it is deleted at once.
        using (var staging = _store.CreateStagingFolder())
        {
            var name = _manifest.AssemblyName + "." + generation.ToString(CultureInfo.InvariantCulture);
            File.WriteAllBytes(Path.Combine(staging.Path, name + ".dll"), output.Assembly!);
            if (output.Pdb is not null)
            {
                File.WriteAllBytes(Path.Combine(staging.Path, name + ".pdb"), output.Pdb);
            }

            CopyLayout.WriteDependencyList(staging.Path, CurrentRuntimeDependencies(), _dependencyHashes.Of);
            CopyLayout.WriteSaveTimings(staging.Path, _debounce, Stopwatch.GetElapsedTime(_batchTaken));
            _store.Publish(staging, generation);
        }

        _patches.StartFrom(generation, output);

        _host.Send(CompilerProtocol.PublishedLine(generation));
        _store.Prune(_manifest.KeepCopies, (_, _) => { });
        ReportSkippedFolders();
        _patches.Ready();
    }

    /// <summary>
    /// The runtime dependencies of the library's last build, read again at every publish: a build while this compiler
    /// runs (a package added to the project file) rewrites the manifest, and the one read at start would list too few.
    /// </summary>
    private IReadOnlyList<string> CurrentRuntimeDependencies()
    {
        try
        {
            return CompileManifest.Read(_manifest.Path).RuntimeDependencies;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return _manifest.RuntimeDependencies; // `dotnet clean` removed it: the last list known
        }
    }

    /// <summary>HR1011 as an info line: once, and again only when the folders skipped change.</summary>
    private void ReportSkippedFolders()
    {
        string? report;
        try
        {
            report = _store.SkippedFoldersReport();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // unreadable now: publishing reports it (HR3004)
        }

        if (report is not null && report != _skippedReported)
        {
            _host.Send(CompilerProtocol.Info, GenerationStore.SkippedFoldersCode + ": " + report);
        }

        _skippedReported = report;
    }

    private void BuildAndReload(string reason, EventBatch batch)
    {
        _host.Send(CompilerProtocol.Info, $"{reason}: building {Path.GetFileName(_manifest.ProjectFile)}...");
        List<string> arguments = ["build", _manifest.ProjectFile, "-nologo", "-nodeReuse:false", "-c", _manifest.Configuration];
        if (_manifest.TargetFramework.Length > 0)
        {
            arguments.AddRange(["-f", _manifest.TargetFramework]);
        }

        var stopwatch = Stopwatch.StartNew();
        var result = _command.Run(_manifest.DotNetHost, _manifest.ProjectDirectory, [.. arguments]);
        if (result is null)
        {
            return;
        }

        if (result.ExitCode != 0)
        {
            var errors = result.Output.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Contains(": error ", StringComparison.Ordinal)).Distinct().ToList();
            foreach (var error in errors)
            {
                _host.Send(CompilerProtocol.Diagnostic, error);
            }

            _host.Send(CompilerProtocol.Failed, errors.Count.ToString(CultureInfo.InvariantCulture));
            _owedBuild = reason;
            return;
        }

        _owedBuild = null;
        var copy = result.Output.Split('\n').FirstOrDefault(l => l.Contains("(reloadable copy ", StringComparison.Ordinal))?.Trim();
        _host.Send(CompilerProtocol.Info, $"built in {stopwatch.ElapsedMilliseconds} ms{(copy is null ? " (no new copy: nothing the library compiles changed)" : "")}");
        if (reason.StartsWith("the referenced project", StringComparison.Ordinal))
        {
            _host.Send(CompilerProtocol.Warning,
                $"HR3001: {reason}. An assembly the host references itself (the shared state) was loaded once, when the host started, and keeps running as it was: restart the host to use its change.");
        }

        Reload(batch);
    }

    private void Reload(EventBatch batch)
    {
        if (!File.Exists(_manifest.ResponseFile))
        {
            return; // `dotnet clean` removed it: compile on with what is loaded until a build records it again
        }

        // Every compile rewrites the file (its first line names the assembly it made); only new arguments need a reload.
        if (RecordedCommandLine.ReadArguments(_manifest.ResponseFile) is { } arguments && arguments.SequenceEqual(_loadedArguments, StringComparer.Ordinal))
        {
            _responseFileWrite = File.GetLastWriteTimeUtc(_manifest.ResponseFile);
            return;
        }

        try
        {
            Load();
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            _host.Send(CompilerProtocol.Warning, "HR3002: " + e.Message);
            return;
        }

        // Saves that came after the build's compile read its sources are compiled now.
        if (SourcesNewerThanLastCompile())
        {
            CompileAndPublish(null);
        }
        else
        {
            _patches.AdoptBuiltCopy(_compilation!);
        }
    }

    private bool SourcesNewerThanLastCompile()
    {
        var compiled = File.GetLastWriteTimeUtc(_manifest.IntermediateAssembly);
        return _sources.Any(s => !IsExcluded(s) && File.Exists(s) && File.GetLastWriteTimeUtc(s) > compiled);
    }

    // Of the hosts' markers, only a refused patch's asks for anything; the others come and go with hosts, and must not
    // count as a newer save (which drops the copy being made).
    private bool IsRelevant(string path) =>
        IsUnder(path, _manifest.PatchlessHostsFolder)
            ? PatchlessHosts.WantsFullCopyNow(path)
            : !IsExcluded(path) || PathComparer.Equals(path, _manifest.ResponseFile);

    private bool IsExcluded(string path) =>
        _excluded.Any(d => IsUnder(path, d)) || path.Contains(Path.DirectorySeparatorChar + ".", PathComparison) && IsHiddenFolder(path);

    // Folders whose names start with a dot (.git, .vs, .idea) are never sources, as in the SDK's default excludes.
    private bool IsHiddenFolder(string path)
    {
        var relative = Path.GetRelativePath(_manifest.ProjectDirectory, Path.GetDirectoryName(path) ?? path);
        return relative != "." && relative.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.') && part != "..");
    }

    private static bool IsUnder(string path, string directory) =>
        path.StartsWith(Directory(directory), PathComparison) || PathComparer.Equals(path, directory.TrimEnd(Path.DirectorySeparatorChar));

    private static string Directory(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) + Path.DirectorySeparatorChar;

    public void Dispose()
    {
        _patches.Dispose();
        _items.Dispose();
        _events.Dispose();
        _stop.Dispose();
    }
}
