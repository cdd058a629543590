using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using Microsoft.Diagnostics.Runtime;

namespace HotReload.Diagnosis;

/// <summary>Where in the source a method of the generation is, from the copy's portable PDB beside it: <c>path(line,col)</c>.</summary>
internal sealed class SourceLocations(string? assemblyPath)
{
    private MetadataReaderProvider? _provider;
    private bool _opened;

    /// <summary>The statement at <paramref name="instructionPointer"/> (a running frame), or the method's first one (0).</summary>
    public string? Find(ClrMethod method, ulong instructionPointer)
    {
        var offset = instructionPointer == 0 ? -1 : method.GetILOffset(instructionPointer);
        return Find(method.MetadataToken, offset);
    }

    /// <summary>The first statement of the first method of the type that has one (its constructor, for a class with field initializers).</summary>
    public string? FindType(ClrType type)
    {
        foreach (var method in type.Methods)
        {
            if (Find(method.MetadataToken, -1) is { } location)
            {
                return location;
            }
        }

        return null;
    }

    private string? Find(int token, int ilOffset)
    {
        var reader = Reader();
        if (reader is null || (token >> 24) != 0x06)
        {
            return null;
        }

        try
        {
            var handle = MetadataTokens.MethodDefinitionHandle(token & 0xFFFFFF);
            SequencePoint? best = null;
            foreach (var point in reader.GetMethodDebugInformation(handle).GetSequencePoints())
            {
                if (point.IsHidden)
                {
                    continue;
                }

                if (best is null || (ilOffset >= 0 && point.Offset <= ilOffset))
                {
                    best = point;
                }

                if (ilOffset < 0 || point.Offset > ilOffset)
                {
                    break;
                }
            }

            return best is { } found
                ? $"{reader.GetString(reader.GetDocument(found.Document).Name)}({found.StartLine},{found.StartColumn})"
                : null;
        }
        catch (Exception e) when (e is BadImageFormatException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    private MetadataReader? Reader()
    {
        if (!_opened)
        {
            _opened = true;
            var pdb = assemblyPath is null ? null : Path.ChangeExtension(assemblyPath, ".pdb");
            if (pdb is not null && File.Exists(pdb))
            {
                try
                {
                    _provider = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdb));
                }
                catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException)
                {
                    _provider = null;
                }
            }
        }

        return _provider?.GetMetadataReader();
    }
}
