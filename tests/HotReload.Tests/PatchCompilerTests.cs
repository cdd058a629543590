extern alias compiler;

using System.Collections.Immutable;
using compiler::HotReload.Compiler.Patching;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace HotReload.Tests;

/// <summary>
/// Which saves become patches and which full copies (<see cref="EditClassifier"/>), and the patches themselves
/// (<see cref="PatchCompiler"/>): emitted against the copy's baseline, numbered, bounded. Applying them in a live host is
/// proved end to end (PatchTests).
/// </summary>
public sealed class PatchCompilerTests
{
    private const string Path = "/src/Logic.cs";

    private static readonly MetadataReference[] References = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
        .Split(System.IO.Path.PathSeparator)
        .Where(p => System.IO.Path.GetFileName(p) is "System.Private.CoreLib.dll" or "System.Runtime.dll")
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .ToArray();

    private const string Original = """
        namespace Game;
        public class Item { public int Hp = 3; }
        public static class Logic
        {
            static int s_count;
            public static int Step(int x) { s_count++; return x + 1; }
            public static int Other() => 7;
        }
        """;

    private static Compilation Compile(string source, string? path = null) =>
        CSharpCompilation.Create("Game.1", [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path ?? Path, System.Text.Encoding.UTF8)],
            References, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Debug));

    private static EditPlan Classify(string after) => EditClassifier.Classify(Compile(Original), Compile(after));

    [Fact]
    public void A_changed_body_is_one_update_of_that_method()
    {
        var plan = Classify(Original.Replace("return x + 1;", "return x + 2;"));
        Assert.Null(plan.FullCopyReason);
        var edit = Assert.Single(plan.Edits);
        Assert.Equal(SemanticEditKind.Update, edit.Kind);
        Assert.Equal("Step", edit.NewSymbol!.Name);
        Assert.Equal("Logic.Step", plan.Summary);
    }

    [Fact]
    public void An_added_method_or_type_is_inserted_and_its_caller_updated()
    {
        var plan = Classify(Original
            .Replace("return x + 1;", "return Twice(x) + Helper.One;")
            .Replace("public static int Other() => 7;", "public static int Other() => 7;\n    static int Twice(int n) => 2 * n;")
            + "\nstatic class Helper { public const int One = 1; }");
        Assert.Null(plan.FullCopyReason);
        Assert.Contains(plan.Edits, e => e.Kind == SemanticEditKind.Insert && e.NewSymbol!.Name == "Twice");
        Assert.Contains(plan.Edits, e => e.Kind == SemanticEditKind.Insert && e.NewSymbol!.Name == "Helper");
        Assert.Contains(plan.Edits, e => e.Kind == SemanticEditKind.Update && e.NewSymbol!.Name == "Step");
    }

    [Theory]
    [InlineData("static int s_count;", "static int s_count;\n    static int s_more;", "Logic.s_more was added (a field)")]
    [InlineData("public int Hp = 3;", "public int Hp = 4;", "the declaration of Item.Hp changed")]
    [InlineData("public int Hp = 3;", "public long Hp = 3;", "the declaration of Item.Hp changed")]
    [InlineData("public static int Step(int x)", "public static int Step(long x)", "Logic.Step was removed or its signature changed")]
    [InlineData("public class Item {", "public class Item : System.Exception {", "the declaration of Item changed")]
    [InlineData("public static int Other() => 7;", "", "Logic.Other was removed or its signature changed")]
    [InlineData("public static int Other() => 7;", "public static int Other() => 7;\n    public int this[int i] => i;", "Logic.this[] was added (a property)")]
    public void An_edit_of_the_state_s_shape_or_a_signature_is_a_full_copy_and_says_why(string from, string to, string reason)
    {
        Assert.Contains(from, Original);
        var plan = Classify(Original.Replace(from, to));
        Assert.Equal(reason, plan.FullCopyReason);
    }

    [Fact]
    public void A_comment_on_the_same_line_changes_nothing_and_a_line_inserted_updates_the_methods_below_it_silently()
    {
        var comment = Classify(Original.Replace("s_count++;", "s_count++; /* counted */"));
        Assert.True(comment.Edits.Count == 0, string.Join(", ", comment.Edits.Select(e => e.Kind + " " + e.NewSymbol)));

        var moved = Classify(Original.Replace("    static int s_count;", "    // the count\n    static int s_count;"));
        Assert.Null(moved.FullCopyReason);
        Assert.Equal(["Step", "Other"], moved.Edits.Select(e => e.NewSymbol!.Name).Order().Reverse());
        Assert.Equal("no code changed", moved.Summary);
    }

    [Fact]
    public void A_removed_file_is_a_full_copy()
    {
        var before = Compile(Original).AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Game; static class More { }", path: "/src/More.cs"));
        Assert.Equal("More.cs was removed", EditClassifier.Classify(before, Compile(Original)).FullCopyReason);
    }

    [Fact]
    public void Patches_are_numbered_from_the_copy_they_patch_keep_a_changed_lambda_in_place_and_refuse_a_new_one()
    {
        var lambda = Original.Replace("return x + 1;", "System.Func<int, int> f = y => y + 1; return f(x);");
        using var patches = Started(lambda);

        var first = Assert.IsType<PatchAttempt.Patch>(patches.Compile(Compile(lambda.Replace("y => y + 1", "y => y + 2"))));
        Assert.Equal((1, 1), (first.Generation, first.Number));
        Assert.False(PatchCompiler.AddsFieldToExistingType(first.Metadata)); // the lambda's method updated where it was
        patches.Accept(first);

        var second = Assert.IsType<PatchAttempt.Patch>(patches.Compile(Compile(lambda.Replace("y => y + 1", "y => y + 3"))));
        Assert.Equal(2, second.Number);

        // A second lambda needs a new cache field in an existing type: the runtime faults on that in a collectible copy.
        var full = Assert.IsType<PatchAttempt.FullCopy>(patches.Compile(Compile(lambda.Replace("return f(x);", "System.Func<int, int> g = z => z * 2; return g(f(x));"))));
        Assert.Contains("a field would be added to an existing type", full.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_patch_that_is_not_accepted_leaves_the_baseline_and_the_next_patch_carries_its_edits()
    {
        using var patches = Started(Original);

        // Compiled, then dropped (a newer save came while it compiled): never published, never accepted.
        var dropped = Assert.IsType<PatchAttempt.Patch>(patches.Compile(Compile(Original.Replace("return x + 1;", "return x + 2;"))));
        Assert.Equal((1, 1), (dropped.Generation, dropped.Number));

        var next = Assert.IsType<PatchAttempt.Patch>(patches.Compile(Compile(Original.Replace("return x + 1;", "return x + 3;"))));
        Assert.Equal((1, 1), (next.Generation, next.Number));
        using (var provider = System.Reflection.Metadata.MetadataReaderProvider.FromMetadataImage(ImmutableArray.Create(next.Metadata)))
        {
            Assert.Equal(1, provider.GetMetadataReader().GetModuleDefinition().Generation); // still the copy's first delta
        }

        Assert.Throws<InvalidOperationException>(() => patches.Accept(dropped with { Number = 2 }));
        patches.Accept(next);
        Assert.Throws<InvalidOperationException>(() => patches.Accept(next)); // once only
        Assert.Equal(2, Assert.IsType<PatchAttempt.Patch>(patches.Compile(Compile(Original.Replace("return x + 1;", "return x + 4;")))).Number);
    }

    [Fact]
    public void Readying_a_copy_publishes_nothing_and_its_first_patch_is_still_the_copy_s_first_delta()
    {
        using var patches = Started(Original);
        patches.Ready();
        patches.Ready(); // twice, as a copy adopted and then readied again would be

        var first = Assert.IsType<PatchAttempt.Patch>(patches.Compile(Compile(Original.Replace("return x + 1;", "return x + 2;"))));
        Assert.Equal((1, 1), (first.Generation, first.Number));

        // The runtime applies deltas in their EnC generation order: the readying's empty delta must not have taken 1.
        using var provider = System.Reflection.Metadata.MetadataReaderProvider.FromMetadataImage(ImmutableArray.Create(first.Metadata));
        Assert.Equal(1, provider.GetMetadataReader().GetModuleDefinition().Generation);
    }

    [Fact]
    public void A_save_that_does_not_compile_reports_its_errors_and_the_baseline_stays()
    {
        using var patches = Started(Original);
        var failed = Assert.IsType<PatchAttempt.Failed>(patches.Compile(Compile(Original.Replace("return x + 1;", "return missing;"))));
        Assert.Contains(failed.Errors, e => e.StartsWith(Path + "(6,", StringComparison.Ordinal) && e.Contains("CS0103", StringComparison.Ordinal));
        Assert.Equal(1, Assert.IsType<PatchAttempt.Patch>(patches.Compile(Compile(Original.Replace("return x + 1;", "return x + 5;")))).Number);
    }

    [Fact]
    public void Patches_on_one_copy_are_bounded_then_a_full_copy_comes()
    {
        using var patches = Started(Original);
        for (var i = 1; i <= PatchCompiler.MostPatchesPerCopy; i++)
        {
            patches.Accept(Assert.IsType<PatchAttempt.Patch>(patches.Compile(Compile(Original.Replace("return x + 1;", $"return x + {i + 1};")))));
        }

        var full = Assert.IsType<PatchAttempt.FullCopy>(patches.Compile(Compile(Original.Replace("return x + 1;", "return x - 1;"))));
        Assert.StartsWith($"{PatchCompiler.MostPatchesPerCopy} patches on copy 1", full.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void No_baseline_or_no_portable_pdb_means_full_copies()
    {
        using var patches = new PatchCompiler();
        Assert.IsType<PatchAttempt.FullCopy>(patches.Compile(Compile(Original)));
        var compilation = Compile(Original);
        Assert.Contains("portable PDB", patches.StartFrom(1, compilation, Emit(compilation).Assembly, null), StringComparison.Ordinal);
        Assert.Equal(0, patches.Generation);
    }

    [Fact]
    public void A_build_s_copy_is_patched_only_when_its_pdb_proves_it_was_compiled_from_the_current_sources()
    {
        var compilation = Compile(Original);
        var (assembly, pdb) = Emit(compilation);
        Assert.True(PatchPath.CompiledFrom(Compile(Original), assembly, pdb));
        Assert.False(PatchPath.CompiledFrom(Compile(Original.Replace("x + 1", "x + 2")), assembly, pdb));
        Assert.False(PatchPath.CompiledFrom(Compile(Original).AddSyntaxTrees(CSharpSyntaxTree.ParseText("class More { }", path: "/src/More.cs", encoding: System.Text.Encoding.UTF8)), assembly, pdb));
    }

    private static PatchCompiler Started(string source)
    {
        var compilation = Compile(source);
        var (assembly, pdb) = Emit(compilation);
        var patches = new PatchCompiler();
        Assert.Null(patches.StartFrom(1, compilation, assembly, pdb));
        return patches;
    }

    private static (byte[] Assembly, byte[] Pdb) Emit(Compilation compilation)
    {
        using var assembly = new MemoryStream();
        using var pdb = new MemoryStream();
        var result = compilation.Emit(assembly, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb, pdbFilePath: "Game.1.pdb"));
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        return (assembly.ToArray(), pdb.ToArray());
    }
}
