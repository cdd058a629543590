namespace HotReload.ProcessBench;

/// <summary>How an editor writes a saved file. Tools watching files see the two differently: a rename arrives as a new
/// file, which `dotnet watch` batches for 200 ms; a write in place as a change.</summary>
internal enum SaveStyle
{
    /// <summary>Written to a temporary file and renamed over the old one (Visual Studio's way, and many others').</summary>
    Rename,

    /// <summary>Written in place (VS Code's default).</summary>
    InPlace,
}

/// <summary>Saves a source file the way editors do.</summary>
internal static class SourceFile
{
    public static void Save(string path, string text, SaveStyle style = SaveStyle.Rename)
    {
        if (style == SaveStyle.InPlace)
        {
            File.WriteAllText(path, text);
            return;
        }

        var temporary = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".saving");
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Saves those of <paramref name="files"/> that are not in <paramref name="folder"/> yet: a new file, as the
    /// editor saves it.</summary>
    public static void SaveNew(string folder, IEnumerable<(string Name, string Text)> files, SaveStyle style)
    {
        foreach (var (name, text) in files)
        {
            if (!File.Exists(Path.Combine(folder, name)))
            {
                Save(Path.Combine(folder, name), text, style);
            }
        }
    }

    public static string Label(SaveStyle style) => style == SaveStyle.InPlace ? "saved in place" : "saved through a rename";
}
