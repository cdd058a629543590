using System.Globalization;
using Game;

namespace HotReload.Benchmarks;

/// <summary>
/// HotReload.Runtime's folder of copies, laid out and published as HotReload.Sdk does it: copy N is written to a
/// staging folder first and then renamed to <c>copies/N/&lt;Name&gt;.N.dll</c> in one move. Staging happens ahead
/// of time, so a timed swap starts at the rename and excludes compiling.
/// </summary>
internal sealed class CopyFolder(string root)
{
    /// <summary>The SDK's default HotReloadKeepCopies: older copies are deleted after each new one.</summary>
    public const int KeepCopies = 10;

    /// <summary>The static library's name, which HotReload.Runtime expects in each copy's file name.</summary>
    public static readonly string LibraryName = typeof(Logic).Assembly.GetName().Name!;

    public string Directory { get; } = System.IO.Directory.CreateDirectory(Path.Combine(root, "copies")).FullName;

    // A sibling of the copies folder: on the same file system, so publishing is a rename, yet the watched folder
    // and its listing are not cluttered with dozens of staged copies.
    private string Staging { get; } = System.IO.Directory.CreateDirectory(Path.Combine(root, "staged")).FullName;

    /// <summary>The increment of copy N's Step: it differs between consecutive copies, so a call shows which one ran.</summary>
    public static int IncrementOf(int generation) => (generation - 1) % 4 + 1;

    public void Stage(CopyCompiler compiler, int generation)
    {
        var name = LibraryName + "." + Number(generation);
        var folder = System.IO.Directory.CreateDirectory(Path.Combine(Staging, Number(generation))).FullName;
        File.WriteAllBytes(Path.Combine(folder, name + ".dll"), compiler.Compile(name, IncrementOf(generation)));
    }

    /// <summary>Renames staged copy N into place; the runtime's file watcher sees it from here on.</summary>
    public void Publish(int generation) =>
        System.IO.Directory.Move(Path.Combine(Staging, Number(generation)), Path.Combine(Directory, Number(generation)));

    /// <summary>Deletes the copy that falls out of the newest <see cref="KeepCopies"/>, as the SDK's build does.</summary>
    public void Prune(int newest)
    {
        var old = Path.Combine(Directory, Number(newest - KeepCopies));
        if (System.IO.Directory.Exists(old))
        {
            System.IO.Directory.Delete(old, recursive: true);
        }
    }

    private static string Number(int generation) => generation.ToString(CultureInfo.InvariantCulture);
}
