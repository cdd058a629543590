using System.Globalization;

namespace HotReload;

/// <summary>
/// One patch of a live copy: the deltas <c>Compilation.EmitDifference</c> made for one save, which every host applies
/// to the copy's assembly in place (<c>MetadataUpdater.ApplyUpdate</c>). Patch K of copy N is the file
/// <c>N/K.patch</c> in the folder of copies (<see cref="CopyLayout.PatchPath"/>); the store writes it under a temporary
/// name and renames it, so a reader sees all of it or none. One definition, compiled into the compiler (the writer) and
/// the runtime (the reader).
/// </summary>
/// <param name="Metadata">The metadata delta.</param>
/// <param name="IL">The IL delta.</param>
/// <param name="Pdb">The portable PDB delta (sequence points of the methods it changes).</param>
/// <param name="UpdatedTypeTokens">Metadata tokens of the types it changed, for the runtime's update handlers.</param>
/// <param name="Debounce">How long the save's file events settled.</param>
/// <param name="Compile">From taking the save to the patch being written.</param>
/// <param name="Edits">What it carries, for the status line (<c>Logic.Step changed</c>).</param>
internal sealed record PatchFile(byte[] Metadata, byte[] IL, byte[] Pdb, int[] UpdatedTypeTokens, TimeSpan Debounce, TimeSpan Compile, string Edits)
{
    // A version in the header: a runtime never applies a file it does not understand (an older host beside a newer SDK).
    private const string Magic = "HRPATCH1";

    public void WriteTo(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Debounce.Ticks);
        writer.Write(Compile.Ticks);
        writer.Write(Edits);
        writer.Write(UpdatedTypeTokens.Length);
        foreach (var token in UpdatedTypeTokens)
        {
            writer.Write(token);
        }

        foreach (var part in new[] { Metadata, IL, Pdb })
        {
            writer.Write(part.Length);
            writer.Write(part);
        }
    }

    /// <exception cref="InvalidDataException">Not a patch file of this version, or cut short.</exception>
    public static PatchFile ReadFrom(Stream stream)
    {
        try
        {
            using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            if (reader.ReadString() != Magic)
            {
                throw new InvalidDataException("not a patch of this HotReload.Runtime's version");
            }

            var debounce = TimeSpan.FromTicks(reader.ReadInt64());
            var compile = TimeSpan.FromTicks(reader.ReadInt64());
            var edits = reader.ReadString();
            var tokens = new int[Count(reader)];
            for (var i = 0; i < tokens.Length; i++)
            {
                tokens[i] = reader.ReadInt32();
            }

            var metadata = Bytes(reader);
            var il = Bytes(reader);
            var pdb = Bytes(reader);
            return new PatchFile(metadata, il, pdb, tokens, debounce, compile, edits);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("the patch is cut short", e);
        }
    }

    private static int Count(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        return count is >= 0 and <= 64 * 1024 * 1024 ? count : throw new InvalidDataException($"a length of {count.ToString(CultureInfo.InvariantCulture)} in the patch");
    }

    private static byte[] Bytes(BinaryReader reader)
    {
        var length = Count(reader);
        var bytes = reader.ReadBytes(length);
        return bytes.Length == length ? bytes : throw new EndOfStreamException();
    }
}
