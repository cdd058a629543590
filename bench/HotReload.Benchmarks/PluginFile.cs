using Game;
using McMaster.NETCore.Plugins;

namespace HotReload.Benchmarks;

/// <summary>
/// The same library as a McMaster.NETCore.Plugins plugin: one file with a fixed name that is overwritten in place,
/// since its hot reload watches for writes (NotifyFilters.LastWrite) to the *.dll files of the plugin's folder.
/// </summary>
internal sealed class PluginFile
{
    private const string AssemblyName = "Game.Plugin";

    private readonly CopyCompiler _compiler;
    private readonly Dictionary<int, byte[]> _images = [];

    public PluginFile(string root, CopyCompiler compiler)
    {
        _compiler = compiler;
        Path = System.IO.Path.Combine(System.IO.Directory.CreateDirectory(System.IO.Path.Combine(root, "plugin")).FullName, AssemblyName + ".dll");
    }

    public string Path { get; }

    /// <summary>Compiles the variant with this increment ahead of time, so a timed write excludes compiling.</summary>
    public void Prepare(int increment) => _images[increment] = _compiler.Compile(AssemblyName, increment);

    public void Write(int increment) => File.WriteAllBytes(Path, _images[increment]);

    /// <summary>
    /// An unloadable plugin; Counter is shared, so the plugin uses the host's own type as with HotReload.Runtime.
    /// With <paramref name="hotReload"/> it watches its file, reloads 200 ms (the default ReloadDelay) after the
    /// last write and raises Reloaded.
    /// </summary>
    public PluginLoader Open(bool hotReload) =>
        PluginLoader.CreateFromAssemblyFile(Path, isUnloadable: true, sharedTypes: [typeof(Counter)], config => config.EnableHotReload = hotReload);

    /// <summary>What a McMaster host does once per (re)load: load the assembly and bind the entry point.</summary>
    public static Func<Counter, long> StepOf(PluginLoader loader) =>
        loader.LoadDefaultAssembly().GetType("Game.Logic", throwOnError: true)!.GetMethod("Step")!.CreateDelegate<Func<Counter, long>>();
}
