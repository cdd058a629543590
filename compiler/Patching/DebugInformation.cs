using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;

namespace HotReload.Compiler.Patching;

/// <summary>
/// What an <see cref="EmitBaseline"/> needs to know of a copy's methods besides its metadata: each method's local slots,
/// lambdas and state machine states (the edit-and-continue records the compiler writes into a Debug build's portable
/// PDB), and its local signature. With them a patch keeps a changed method's lambdas and closures where they were.
/// </summary>
internal sealed class DebugInformation : IDisposable
{
    // The custom debug information kinds of Roslyn's edit-and-continue records (PortableCustomDebugInfoKinds).
    private static readonly Guid SlotMap = new("755F52A8-91C5-45BE-B4B8-209571E552BD");
    private static readonly Guid LambdaMap = new("A643004C-0240-496F-A783-30D64F4979DE");
    private static readonly Guid StateMachineStateMap = new("8B78CD68-2EDE-420B-980B-E15884B8AAA3");

    private readonly MetadataReaderProvider _pdb;
    private readonly MetadataReader _pdbReader;
    private readonly PEReader _assembly;
    private readonly MetadataReader _assemblyReader;

    private DebugInformation(MetadataReaderProvider pdb, PEReader assembly)
    {
        _pdb = pdb;
        _pdbReader = pdb.GetMetadataReader();
        _assembly = assembly;
        _assemblyReader = assembly.GetMetadataReader();
    }

    /// <exception cref="BadImageFormatException">The PDB is not a portable one.</exception>
    public static DebugInformation Read(byte[] assembly, byte[] pdb) =>
        new(MetadataReaderProvider.FromPortablePdbImage(ImmutableArray.Create(pdb)), new PEReader(ImmutableArray.Create(assembly)));

    /// <summary>The checksums of the source documents the PDB was compiled from, to prove a compilation is the one it describes.</summary>
    public IReadOnlyList<ImmutableArray<byte>> DocumentChecksums() =>
        _pdbReader.Documents.Select(d => _pdbReader.GetBlobContent(_pdbReader.GetDocument(d).Hash)).ToList();

    public EditAndContinueMethodDebugInformation MethodInformation(MethodDefinitionHandle method) =>
        EditAndContinueMethodDebugInformation.Create(Record(method, SlotMap), Record(method, LambdaMap), Record(method, StateMachineStateMap));

    public StandaloneSignatureHandle LocalSignature(MethodDefinitionHandle method)
    {
        var rva = _assemblyReader.GetMethodDefinition(method).RelativeVirtualAddress;
        return rva == 0 ? default : _assembly.GetMethodBody(rva).LocalSignature;
    }

    private ImmutableArray<byte> Record(MethodDefinitionHandle method, Guid kind)
    {
        foreach (var handle in _pdbReader.GetCustomDebugInformation(method))
        {
            var record = _pdbReader.GetCustomDebugInformation(handle);
            if (_pdbReader.GetGuid(record.Kind) == kind)
            {
                return _pdbReader.GetBlobContent(record.Value);
            }
        }

        return default;
    }

    public void Dispose()
    {
        _pdb.Dispose();
        _assembly.Dispose();
    }
}
