extern alias compiler;
using System.Globalization;
using HotReload.Runtime;
using HotReload.Sdk.Tasks;
using Layout = compiler::HotReload.CopyLayout; // one source, compiled into the task, the runtime and the compiler alike

namespace HotReload.Tests;

/// <summary>
/// The contracts of patches between the compiler and every host: the file's format, its name and numbering, its
/// publication through the store, and the markers of hosts that cannot apply patches.
/// </summary>
public sealed class PatchContractTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hr-patch-" + Guid.NewGuid().ToString("N"));

    public PatchContractTests() => Directory.CreateDirectory(_root);

    private static PatchFile Sample => new([1, 2, 3], [4, 5], [6], [0x02000002, 0x02000005], TimeSpan.FromMilliseconds(15.5), TimeSpan.FromMilliseconds(9), "Logic.Step");

    [Fact]
    public void A_patch_file_reads_back_as_written_and_a_damaged_one_is_refused_with_a_reason()
    {
        using var stream = new MemoryStream();
        Sample.WriteTo(stream);
        stream.Position = 0;
        var read = PatchFile.ReadFrom(stream);
        Assert.Equal(Sample.Metadata, read.Metadata);
        Assert.Equal(Sample.IL, read.IL);
        Assert.Equal(Sample.Pdb, read.Pdb);
        Assert.Equal(Sample.UpdatedTypeTokens, read.UpdatedTypeTokens);
        Assert.Equal((Sample.Debounce, Sample.Compile, Sample.Edits), (read.Debounce, read.Compile, read.Edits));

        var bytes = stream.ToArray();
        Assert.Contains("cut short", Assert.Throws<InvalidDataException>(() => PatchFile.ReadFrom(new MemoryStream(bytes[..^1]))).Message);
        Assert.Throws<InvalidDataException>(() => PatchFile.ReadFrom(new MemoryStream([1, 2, 3, 4])));
    }

    [Theory]
    [InlineData("1.patch", 1)]
    [InlineData("27.patch", 27)]
    [InlineData("0.patch", 0)]
    [InlineData("01.patch", 0)]
    [InlineData(".staging-ab12.patch", 0)]
    [InlineData("1.patch.tmp", 0)]
    [InlineData("1.dll", 0)]
    public void Patch_names_are_numbers_from_1_without_leading_zeros(string name, int expected)
    {
        Assert.Equal(expected > 0, Layout.TryParsePatch(name, out var number));
        Assert.Equal(expected, number);
        if (expected > 0)
        {
            Assert.Equal(Path.Combine("3", name), Layout.PatchPath(3, expected));
        }
    }

    [Fact]
    public void The_store_publishes_patches_whole_and_in_order_and_never_over_one_already_there()
    {
        var store = new GenerationStore(Path.Combine(_root, "reloaded"), Path.Combine(_root, "obj", "last"));
        Directory.CreateDirectory(store.FolderOf(4));
        Assert.Equal(0, store.PublishedPatches(4));

        store.PublishPatch(4, 1, Sample.WriteTo);
        store.PublishPatch(4, 2, Sample.WriteTo);
        Assert.Equal(2, store.PublishedPatches(4));
        using (var stream = File.OpenRead(Path.Combine(store.Root, Layout.PatchPath(4, 2))))
        {
            Assert.Equal("Logic.Step", PatchFile.ReadFrom(stream).Edits);
        }

        Assert.ThrowsAny<IOException>(() => store.PublishPatch(4, 2, Sample.WriteTo));
        store.PublishPatch(4, 4, Sample.WriteTo); // a gap: hosts apply 1 and 2 only
        Assert.Equal(2, store.PublishedPatches(4));
        Assert.Equal(["1.patch", "2.patch", "4.patch"], Directory.GetFiles(store.FolderOf(4)).Select(Path.GetFileName).Order()); // no temporary file left
    }

    [Fact]
    public void A_host_that_cannot_patch_is_seen_while_it_holds_its_marker_and_a_dead_one_s_marker_is_cleared()
    {
        var folder = Path.Combine(_root, "hosts");
        Assert.Null(PatchlessHosts.FindOne(folder));

        using (PatchlessHosts.Hold(folder, "no-variable"))
        {
            var found = PatchlessHosts.FindOne(folder);
            Assert.Equal((Environment.ProcessId.ToString(), PatchlessHosts.Reasons["no-variable"]), found);
        }

        Assert.Null(PatchlessHosts.FindOne(folder));
        Assert.Empty(Directory.GetFiles(folder)); // deleted on release

        // A marker just created and not locked yet, by a host that runs (it is between the two steps): taken as held,
        // and left alone.
        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var marker = Path.Combine(folder, pid + ".debugger");
        File.WriteAllText(marker, "");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "");
        Assert.Equal((pid, PatchlessHosts.Reasons["debugger"]), PatchlessHosts.FindOne(folder));
        Assert.True(File.Exists(marker));

        // A host killed before it could delete its marker: nobody holds it, so it is cleared.
        File.SetLastWriteTimeUtc(marker, DateTime.UtcNow - TimeSpan.FromMinutes(1));
        Assert.Null(PatchlessHosts.FindOne(folder));
        Assert.Equal(["notes.txt"], Directory.GetFiles(folder).Select(Path.GetFileName));

        // Killed just after it took its marker: as young as a marker being taken, but its process is gone, so the save
        // after it is a patch. (No process has this id: Linux ids stay under 2^22, Windows ids are multiples of 4.)
        var dead = Path.Combine(folder, int.MaxValue.ToString(CultureInfo.InvariantCulture) + ".no-variable");
        File.WriteAllText(dead, "");
        Assert.Null(PatchlessHosts.FindOne(folder));
        Assert.False(File.Exists(dead));

        Assert.True(PatchlessHosts.WantsFullCopyNow(Path.Combine(folder, "12.refused")));
        Assert.False(PatchlessHosts.WantsFullCopyNow(Path.Combine(folder, "12.faulted")));
    }

    [Fact]
    public void Under_a_debugger_from_the_start_or_attached_later_the_host_holds_its_marker_and_says_so_once()
    {
        // A debugger cannot be attached in a test run: the applier is given the process's state instead.
        var manifest = Path.Combine(_root, "obj", "Lib" + CompileManifest.FileExtension);
        Directory.CreateDirectory(Path.GetDirectoryName(manifest)!);
        File.WriteAllText(manifest, "assembly-name=Lib\n");
        var hosts = CompileManifest.Read(manifest).PatchlessHostsFolder;
        var copies = new GenerationFolder(Path.Combine(_root, "bin", "reloaded"), "Lib");
        var messages = new List<CompilerMessageEventArgs>();
        string? why = "debugger";

        using (new PatchApplier(copies, manifest, e => messages.Add((CompilerMessageEventArgs)e), () => why))
        {
            Assert.Equal((Environment.ProcessId.ToString(), PatchlessHosts.Reasons["debugger"]), PatchlessHosts.FindOne(hosts));
            var hint = Assert.Single(messages);
            Assert.Equal(CompilerMessageSeverity.Info, hint.Severity);
            Assert.StartsWith("HR2018: saves go live as full copies, not patches: a debugger is attached", hint.Message, StringComparison.Ordinal);
            Assert.EndsWith("Run without the debugger for patches.", hint.Message, StringComparison.Ordinal);
        }

        Assert.Null(PatchlessHosts.FindOne(hosts)); // released with the host
        messages.Clear();

        // Attached while the host runs: the patch that arrives is missed, and the marker makes the next save a full copy.
        why = null;
        using var later = new PatchApplier(copies, manifest, e => messages.Add((CompilerMessageEventArgs)e), () => why);
        Assert.Null(PatchlessHosts.FindOne(hosts));
        var first = new LiveGeneration(1, null!, typeof(PatchContractTests).Assembly, null!);
        Assert.Null(later.ApplyPending(first)); // no patch yet
        Directory.CreateDirectory(Path.Combine(copies.Root, "1"));
        File.WriteAllBytes(Path.Combine(copies.Root, Layout.PatchPath(1, 1)), [1]);
        why = "debugger";
        Assert.Null(later.ApplyPending(first));
        Assert.Null(later.ApplyPending(first)); // said once per generation
        Assert.Equal((Environment.ProcessId.ToString(), PatchlessHosts.Reasons["debugger"]), PatchlessHosts.FindOne(hosts));
        var behind = Assert.Single(messages);
        Assert.Equal(CompilerMessageSeverity.Warning, behind.Severity);
        Assert.StartsWith("HR2018: generation 1 has patches this host cannot apply (a debugger is attached)", behind.Message, StringComparison.Ordinal);

        // Detached, and the full copy live: patches again.
        why = null;
        Assert.Null(later.ApplyPending(first with { Number = 2 }));
        Assert.Null(PatchlessHosts.FindOne(hosts));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
