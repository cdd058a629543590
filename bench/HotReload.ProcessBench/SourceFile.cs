namespace HotReload.ProcessBench;

/// <summary>Saves a source file the way many editors do (write a temporary file, rename it over the old one), so a
/// file watcher never reads a half-written file.</summary>
internal static class SourceFile
{
    public static void Save(string path, string text)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".saving");
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
