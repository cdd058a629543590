using HotReload.Runtime;
using Microsoft.Extensions.Logging;

namespace HotReload.Extensions.Logging;

/// <summary>Sends a <see cref="ReloadableLibrary"/>'s events to an <see cref="ILogger"/>.</summary>
public static class ReloadableLibraryLogging
{
    /// <summary>
    /// Logs every event of <paramref name="library"/> to <paramref name="logger"/> until the returned object is disposed:
    /// generation live (Information, with its timings), state migrated (Information, with what changed shape; what could
    /// not be carried over as Warnings, HR2013-HR2015), reload refused (Warning, HR2xxx), fault (Error, HR2007/HR2008,
    /// with the exception), unloaded (Debug), unload stalled (Warning, HR2009, with its causes), compile failed (Error,
    /// with the compiler's diagnostics), the compiler's messages (Information, or Warning with an HR3xxx code). Each entry
    /// is structured: <c>Library</c>, <c>Generation</c> and the event's own values are named properties, and coded
    /// entries carry the code's number as their event id (see <see cref="ReloadEventIds"/>). Events are raised inside
    /// <see cref="ReloadableLibrary.Update"/>, so entries are written on the host's thread.
    /// </summary>
    public static IDisposable LogTo(this ReloadableLibrary library, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(logger);
        return new Subscription(library, logger);
    }

    private sealed class Subscription : IDisposable
    {
        private readonly ReloadableLibrary _library;
        private readonly ILogger _logger;

        public Subscription(ReloadableLibrary library, ILogger logger)
        {
            _library = library;
            _logger = logger;
            library.GenerationChanged += OnGenerationChanged;
            library.GenerationPatched += OnGenerationPatched;
            library.ReloadFailed += OnReloadFailed;
            library.GenerationFaulted += OnGenerationFaulted;
            library.GenerationUnloaded += OnGenerationUnloaded;
            library.UnloadStalled += OnUnloadStalled;
            library.CompileFailed += OnCompileFailed;
            library.CompilerMessage += OnCompilerMessage;
        }

        private string Library => _library.Name;

        private void OnGenerationChanged(object? sender, GenerationChangedEventArgs e)
        {
            if (e.SinceSave is { } sinceSave)
            {
                _logger.LogInformation(ReloadEventIds.GenerationLive,
                    "{Library} generation {Generation} live, {SinceSaveMs} ms after the save (debounce {DebounceMs}, compile {CompileMs}, load {LoadMs}, wait {WaitMs})",
                    Library, e.Generation, Ms(sinceSave), Ms(e.DebounceTime), Ms(e.CompileTime), Ms(e.LoadTime), Ms(e.WaitTime));
            }
            else
            {
                _logger.LogInformation(ReloadEventIds.GenerationLive,
                    "{Library} generation {Generation} live, built by dotnet build (load {LoadMs}, wait {WaitMs})",
                    Library, e.Generation, Ms(e.LoadTime), Ms(e.WaitTime));
            }

            if (e.Migration is { } migration)
            {
                LogMigration(migration, e.Generation);
            }
        }

        private void OnGenerationPatched(object? sender, GenerationPatchedEventArgs e) =>
            _logger.LogInformation(ReloadEventIds.GenerationPatched,
                "{Library} generation {Generation} patched ({Patch}, {Applied} applied), {SinceSaveMs} ms after the save (debounce {DebounceMs}, compile {CompileMs}, apply {ApplyMs}, wait {WaitMs}): {Edits}",
                Library, e.Generation, e.Patch, e.Applied, Ms(e.SinceSave), Ms(e.DebounceTime), Ms(e.CompileTime), Ms(e.ApplyTime), Ms(e.WaitTime), e.Edits);

        private void LogMigration(MigrationReport migration, int generation)
        {
            _logger.LogInformation(ReloadEventIds.StateMigrated,
                "{Library} generation {Generation}: state migrated in {MigrateMs} ms, {Objects} objects of {Types} types, {Patched} host objects updated{Changes}",
                Library, generation, Math.Round(migration.Time.TotalMilliseconds, 1), migration.Objects, migration.Types, migration.Patched,
                migration.Changes.Count == 0 ? "" : "; " + string.Join("; ", migration.Changes));
            foreach (var problem in migration.Problems)
            {
                Coded(LogLevel.Warning, problem, null, generation); // HR2013, HR2014, HR2015: what could not be carried over
            }
        }

        private void OnReloadFailed(object? sender, ReloadFailedEventArgs e) =>
            Coded(LogLevel.Warning, e.Message, e.Exception, e.Generation);

        private void OnGenerationFaulted(object? sender, GenerationFaultedEventArgs e)
        {
            Coded(LogLevel.Error, e.Message, e.Exception, e.Generation);
            if (e.Migration is { } migration)
            {
                LogMigration(migration, e.LiveGeneration); // a rollback carried the state back
            }
        }

        private void OnGenerationUnloaded(object? sender, GenerationUnloadedEventArgs e) =>
            _logger.LogDebug(ReloadEventIds.GenerationUnloaded,
                "{Library} generation {Generation} unloaded, {AfterReleaseMs} ms after its release (went live: {WentLive}, stalled first: {WasStalled})",
                Library, e.Generation, Ms(e.AfterRelease), e.WentLive, e.WasStalled);

        private void OnUnloadStalled(object? sender, UnloadStalledEventArgs e)
        {
            _logger.LogInformation(ReloadEventIds.StallSearched,
                "{Library} generation {Generation}: holders searched in {DiagnosisTimeMs} ms ({DiagnosisMethod}; host paused {HostPauseMs} ms){FallbackReason}",
                Library, e.Generation, Ms(e.DiagnosisTime), e.DiagnosisMethod, Ms(e.HostPause), e.FallbackReason is { } reason ? ": " + reason : "");
            if (e.Causes.Count == 0)
            {
                Coded(LogLevel.Warning, e.Message, null, e.Generation);
                return;
            }

            // A warning per holder, each line as editors link it (path(line,col): warning HR2009: ...); the holder's
            // root kind, root, path and location go in a scope for structured sinks.
            var lines = e.Lines;
            for (var i = 0; i < e.Causes.Count; i++)
            {
                var cause = e.Causes[i];
                using var scope = _logger.BeginScope(new Dictionary<string, object?>
                {
                    ["RootKind"] = cause.Kind.ToString(),
                    ["Root"] = cause.Root,
                    ["Path"] = cause.Path,
                    ["Location"] = cause.Location,
                });
                _logger.Log(LogLevel.Warning, StallCode, "{Library} generation {Generation}: {Message}", Library, e.Generation, lines[i]);
            }
        }

        private void OnCompileFailed(object? sender, CompileFailedEventArgs e) =>
            _logger.LogError(ReloadEventIds.CompileFailed, "{Library}: the save did not compile; the running generation stays.{NewLine}{Diagnostics}",
                Library, Environment.NewLine, string.Join(Environment.NewLine, e.Diagnostics));

        private void OnCompilerMessage(object? sender, CompilerMessageEventArgs e)
        {
            if (e.Severity == CompilerMessageSeverity.Warning)
            {
                Coded(LogLevel.Warning, e.Message, null, _library.Generation);
            }
            else
            {
                _logger.LogInformation(ReloadEventIds.CompilerInfo, "{Library}: {Message}", Library, e.Message);
            }
        }

        private void Coded(LogLevel level, string message, Exception? exception, int generation) =>
            _logger.Log(level, ReloadEventIds.OfMessage(message) ?? default, exception,
                "{Library} generation {Generation}: {Message}", Library, generation, message);

        private static readonly EventId StallCode = new(2009, "HR2009");

        private static long? Ms(TimeSpan? time) => time is { } t ? (long)Math.Round(t.TotalMilliseconds) : null;

        public void Dispose()
        {
            _library.GenerationChanged -= OnGenerationChanged;
            _library.GenerationPatched -= OnGenerationPatched;
            _library.ReloadFailed -= OnReloadFailed;
            _library.GenerationFaulted -= OnGenerationFaulted;
            _library.GenerationUnloaded -= OnGenerationUnloaded;
            _library.UnloadStalled -= OnUnloadStalled;
            _library.CompileFailed -= OnCompileFailed;
            _library.CompilerMessage -= OnCompilerMessage;
        }
    }
}
