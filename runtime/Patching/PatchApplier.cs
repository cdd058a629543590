using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Metadata;

namespace HotReload.Runtime;

/// <summary>
/// Applies the warm compiler's patches of the live generation in place (<see cref="MetadataUpdater.ApplyUpdate"/>), on
/// the host's thread: in order, each once, from patch 1 for a generation that just went live (a host started after some
/// patches runs the same code as the host that saw them made). Where the process cannot apply patches (started without
/// <c>DOTNET_MODIFIABLE_ASSEMBLIES=debug</c>, or under a debugger), or the runtime refused one, it holds a
/// <see cref="PatchlessHosts"/> marker so the compiler makes full copies, and says once how to turn patching on.
/// </summary>
internal sealed class PatchApplier : IDisposable
{
    public const string Variable = "DOTNET_MODIFIABLE_ASSEMBLIES";

    private readonly GenerationFolder _folder;
    private readonly string? _markerFolder;
    private readonly Action<EventArgs> _report;
    private readonly MetadataUpdateHandlers _handlers = new();
    private FileStream? _marker;
    private string? _markerReason;
    private int _generation;
    private int _behindReported;
    private int _applied;
    private bool _hintGiven;

    public PatchApplier(GenerationFolder folder, string? compileManifest, Action<EventArgs> report)
    {
        _folder = folder;
        _report = report;
        try
        {
            _markerFolder = compileManifest is null ? null : CompileManifest.Read(compileManifest).PatchlessHostsFolder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            _markerFolder = null; // no compiler can be started either; that is reported where it starts
        }

        if (Unavailable() is { } reason && _markerFolder is not null)
        {
            Hold(reason);
            Hint(reason);
        }
    }

    /// <summary>Why this process cannot apply patches now; null when it can.</summary>
    public static string? Unavailable() =>
        !MetadataUpdater.IsSupported ? "no-variable" : Debugger.IsAttached ? "debugger" : null;

    /// <summary>The patches applied to the live generation so far.</summary>
    public int Applied => _applied;

    /// <summary>On the host's thread: applies the patches of <paramref name="live"/> not applied yet; null when there were none.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public GenerationPatchedEventArgs? ApplyPending(LiveGeneration live)
    {
        if (live.Number != _generation)
        {
            _generation = live.Number;
            _applied = 0;
            if (_markerReason is "refused" or "faulted")
            {
                Release(); // a new copy went live: patches of it may work again
                if (Unavailable() is { } reason)
                {
                    Hold(reason);
                }
            }
        }

        if (_markerReason is "refused" or "faulted" || !File.Exists(PathOf(_applied + 1)))
        {
            return null;
        }

        if (Unavailable() is not null)
        {
            Behind(live.Number);
            return null;
        }

        var clock = Stopwatch.StartNew();
        var applied = 0;
        PatchFile? newest = null;
        var tokens = new HashSet<int>();
        while (File.Exists(PathOf(_applied + 1)))
        {
            var number = _applied + 1;
            PatchFile patch;
            try
            {
                patch = Read(number);
                MetadataUpdater.ApplyUpdate(live.Assembly, patch.Metadata, patch.IL, patch.Pdb);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Refused(live.Number, number, e);
                break;
            }

            _applied = number;
            applied++;
            newest = patch;
            tokens.UnionWith(patch.UpdatedTypeTokens);
        }

        if (newest is null)
        {
            return null;
        }

        var types = UpdatedTypes(live.Assembly, tokens);
        _handlers.Notify(types);
        var wait = SincePublished(_applied, clock.Elapsed);
        return new GenerationPatchedEventArgs(live.Number, _applied, applied, clock.Elapsed, newest.Debounce, newest.Compile, wait, newest.Edits, types);
    }

    /// <summary>
    /// Where a fault in <paramref name="generation"/>'s code can roll back to within it: the same copy with all but its
    /// newest patch (the likeliest culprit); -1 when it has none applied here.
    /// </summary>
    public int RollbackPoint(int generation) => generation == _generation && _applied > 0 && _markerReason is null ? _applied - 1 : -1;

    /// <summary>Applies patches 1 to <paramref name="count"/> of its copy to a fresh load of it, for a rollback.</summary>
    /// <exception cref="Exception">A patch could not be read or applied: no rollback to that point.</exception>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public void Replay(PreparedGeneration prepared, int count)
    {
        var tokens = new HashSet<int>();
        for (var number = 1; number <= count; number++)
        {
            var patch = Read(number);
            MetadataUpdater.ApplyUpdate(prepared.Assembly, patch.Metadata, patch.IL, patch.Pdb);
            tokens.UnionWith(patch.UpdatedTypeTokens);
        }

        if (count > 0)
        {
            _handlers.Notify(UpdatedTypes(prepared.Assembly, tokens));
        }
    }

    /// <summary>
    /// The live generation is now its copy with <paramref name="count"/> patches, after a fault in a newer one: no newer
    /// patch of it is applied here, and the compiler makes the next save a full copy.
    /// </summary>
    public void RolledBack(int count)
    {
        _applied = count;
        Release();
        Hold("faulted");
    }

    private string PathOf(int number) => Path.Combine(_folder.Root, CopyLayout.PatchPath(_generation, number));

    private PatchFile Read(int number)
    {
        var path = PathOf(number);
        if (new FileInfo(path).LinkTarget is { } target)
        {
            throw new HotReloadException($"HR2011: patch {number} of copy {_generation}, '{path}', is a symbolic link (to '{target}'); patches load only from real files.");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        return PatchFile.ReadFrom(stream);
    }

    // The patch's file was written when it was published: its age, less the time spent applying, is the frame wait.
    private TimeSpan? SincePublished(int number, TimeSpan applying)
    {
        try
        {
            var age = DateTime.UtcNow - File.GetLastWriteTimeUtc(PathOf(number)) - applying;
            return age >= TimeSpan.Zero && age < TimeSpan.FromMinutes(1) ? age : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only live mode patches; a trimmed host has HotReload.IsSupported off.")]
    private static Type[] UpdatedTypes(Assembly assembly, HashSet<int> tokens)
    {
        var types = new List<Type>();
        foreach (var token in tokens)
        {
            try
            {
                types.Add(assembly.ManifestModule.ResolveType(token));
            }
            catch (ArgumentException)
            {
                // not a type of this module: the handlers are told of the others
            }
        }

        return types.ToArray();
    }

    private void Refused(int generation, int number, Exception e)
    {
        Release();
        Hold("refused");
        var inner = HotReloadException.Within(e) is { } coded ? coded.Message : $"{e.GetType().Name}: {Messages.Sentence(e.Message)}";
        _report(new ReloadFailedEventArgs(generation,
            $"HR2017: patch {number} of generation {generation} was not applied ({inner}). Generation {generation} keeps running as it was; the next save goes live as a full copy.", e));
    }

    /// <summary>Patches this host cannot apply (made before its marker was seen, or it started after them): said once per generation.</summary>
    private void Behind(int generation)
    {
        if (_behindReported == generation)
        {
            return;
        }

        _behindReported = generation;
        _report(new CompilerMessageEventArgs(CompilerMessageSeverity.Warning,
            $"HR2018: generation {generation} has patches this host cannot apply ({PatchlessHosts.Reasons[Unavailable()!]}): it runs copy {generation} as it was until the next save, which goes live as a full copy."));
    }

    private void Hint(string reason)
    {
        if (_hintGiven)
        {
            return;
        }

        _hintGiven = true;
        var why = PatchlessHosts.Reasons[reason];
        _report(new CompilerMessageEventArgs(CompilerMessageSeverity.Info, reason == "debugger"
            ? $"HR2018: saves go live as full copies, not patches: {why}, and the runtime applies no patch then. Run without the debugger for patches."
            : $"HR2018: saves go live as full copies, not patches: {why}. Start the host with it (the sample's and the template's Properties/launchSettings.json set it for dotnet run, Visual Studio and Rider) to patch method bodies in place."));
    }

    private void Hold(string reason)
    {
        _markerReason = reason;
        if (_markerFolder is null)
        {
            return;
        }

        try
        {
            _marker = PatchlessHosts.Hold(_markerFolder, reason);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _marker = null; // the compiler cannot know: a patch this host misses is reported when it arrives
        }
    }

    private void Release()
    {
        _marker?.Dispose();
        _marker = null;
        _markerReason = null;
    }

    public void Dispose() => Release();
}
