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
    private readonly GenerationFolder _folder;
    private readonly PatchlessMarker _marker;
    private readonly Action<EventArgs> _report;
    private readonly MetadataUpdateHandlers _handlers = new();
    private readonly Func<string?> _whyUnavailable;
    private int _generation;
    private int _behindReported;
    private int _applied;
    private bool _hintGiven;

    /// <param name="folder">The library's folder of copies, where the patches are.</param>
    /// <param name="compileManifest">The library's compile manifest, which names the folder of markers; null when no
    /// compiler runs (nothing to tell).</param>
    /// <param name="report">Where the hint, a refused patch and a missed one are said.</param>
    /// <param name="whyUnavailable">Why the process cannot apply patches now (<see cref="Unavailable"/>); a test gives
    /// its own, to be a process started without the variable or with a debugger attached.</param>
    public PatchApplier(GenerationFolder folder, string? compileManifest, Action<EventArgs> report, Func<string?>? whyUnavailable = null)
    {
        _folder = folder;
        _report = report;
        _whyUnavailable = whyUnavailable ?? Unavailable;
        _marker = PatchlessMarker.For(compileManifest);
        if (_whyUnavailable() is { } reason)
        {
            if (_marker.CanHold)
            {
                _marker.Hold(reason);
                Hint(reason);
            }
        }
        else
        {
            _handlers.FindAhead();
        }
    }

    /// <summary>Why this process cannot apply patches now; null when it can.</summary>
    public static string? Unavailable() =>
        !MetadataUpdater.IsSupported ? "no-variable" : Debugger.IsAttached ? "debugger" : null;

    /// <summary>On the host's thread: applies the patches of <paramref name="live"/> not applied yet; null when there were none.</summary>
    [RequiresUnreferencedCode(ReloadableLibrary.LiveModeNeedsReflection)]
    public GenerationPatchedEventArgs? ApplyPending(LiveGeneration live)
    {
        if (live.Number != _generation)
        {
            _generation = live.Number;
            _applied = 0;

            // A new copy went live: its patches may work again (after a refused or faulted one, or a debugger detached).
            if (_whyUnavailable() is { } reason)
            {
                _marker.Hold(reason);
            }
            else
            {
                _marker.Release();
            }
        }

        if (_marker.IsBehind || !File.Exists(PathOf(_applied + 1)))
        {
            return null;
        }

        if (_whyUnavailable() is { } now)
        {
            // A debugger attached since: this patch is missed, and the marker makes the next save a full copy.
            _marker.Hold(now);
            Behind(live.Number, now);
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
    public int RollbackPoint(int generation) => generation == _generation && _applied > 0 && _marker.Reason is null ? _applied - 1 : -1;

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
        _marker.Hold("faulted");
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
        _marker.Hold("refused");
        var inner = HotReloadException.Within(e) is { } coded ? coded.Message : $"{e.GetType().Name}: {Messages.Sentence(e.Message)}";
        _report(new ReloadFailedEventArgs(generation,
            $"HR2017: patch {number} of generation {generation} was not applied ({inner}). Generation {generation} keeps running as it was; the next save goes live as a full copy.", e));
    }

    /// <summary>Patches this host cannot apply (made before its marker was seen, or it started after them): said once per generation.</summary>
    private void Behind(int generation, string reason)
    {
        if (_behindReported == generation)
        {
            return;
        }

        _behindReported = generation;
        _report(new CompilerMessageEventArgs(CompilerMessageSeverity.Warning,
            $"HR2018: generation {generation} has patches this host cannot apply ({PatchlessHosts.Reasons[reason]}): it runs copy {generation} as it was until the next save, which goes live as a full copy."));
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

    public void Dispose() => _marker.Release();
}

/// <summary>
/// This host's <see cref="PatchlessHosts"/> marker: held while it cannot apply the patches the compiler makes, so the
/// compiler makes full copies instead. Without a compile manifest there is no compiler to tell, and nothing is held.
/// </summary>
internal sealed class PatchlessMarker
{
    private readonly string? _folder;
    private FileStream? _file;

    private PatchlessMarker(string? folder) => _folder = folder;

    public static PatchlessMarker For(string? compileManifest)
    {
        try
        {
            return new PatchlessMarker(compileManifest is null ? null : CompileManifest.Read(compileManifest).PatchlessHostsFolder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return new PatchlessMarker(null); // no compiler can be started either; that is reported where it starts
        }
    }

    public bool CanHold => _folder is not null;

    /// <summary>Why it is held (a word of <see cref="PatchlessHosts.Reasons"/>); null when this host applies patches.</summary>
    public string? Reason { get; private set; }

    /// <summary>True when this host runs its copy with fewer patches than were made (one refused, or rolled back).</summary>
    public bool IsBehind => Reason is "refused" or "faulted";

    /// <summary>Held for <paramref name="reason"/> from now on; a marker held for it already is kept as it is.</summary>
    public void Hold(string reason)
    {
        if (Reason == reason)
        {
            return;
        }

        Release();
        Reason = reason;
        if (_folder is null)
        {
            return;
        }

        try
        {
            _file = PatchlessHosts.Hold(_folder, reason);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _file = null; // the compiler cannot know: a patch this host misses is reported when it arrives
        }
    }

    public void Release()
    {
        _file?.Dispose();
        _file = null;
        Reason = null;
    }
}
