using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Emit;

namespace HotReload.Compiler.Patching;

/// <summary>What a save changed, as a patch can carry it (<see cref="Edits"/>), or why it needs a full copy (<see cref="FullCopyReason"/>).</summary>
internal sealed record EditPlan(IReadOnlyList<SemanticEdit> Edits, string? FullCopyReason, string Summary)
{
    public static EditPlan FullCopy(string reason) => new([], reason, "");
}

/// <summary>
/// Decides, from the syntax of the files a save changed, whether the save can be patched into the live copy: the
/// edits the runtime applies in place and that leave every object's state as it is. Those are a changed body of a
/// method, constructor, accessor or operator (lambdas and local functions in it included), an added method, and an added
/// type. Everything else (a signature, a field, an initializer, a base class, an attribute, a removed member or file)
/// changes the state's shape or what existing objects hold, and goes live as a full copy, whose state migration handles
/// it. A method whose lines moved is updated too, so stack traces keep their line numbers.
/// </summary>
internal static class EditClassifier
{
    public static EditPlan Classify(Compilation before, Compilation after)
    {
        var oldTrees = before.SyntaxTrees.ToDictionary(t => t.FilePath, StringComparer.Ordinal);
        var newPaths = new HashSet<string>(after.SyntaxTrees.Select(t => t.FilePath), StringComparer.Ordinal);
        if (oldTrees.Keys.FirstOrDefault(p => !newPaths.Contains(p)) is { } removed)
        {
            return EditPlan.FullCopy($"{Path.GetFileName(removed)} was removed");
        }

        var edits = new List<SemanticEdit>();
        var changed = new List<string>();
        foreach (var tree in after.SyntaxTrees)
        {
            oldTrees.TryGetValue(tree.FilePath, out var oldTree);
            if (ReferenceEquals(oldTree, tree) || (oldTree is not null && oldTree.GetText().ContentEquals(tree.GetText())))
            {
                continue;
            }

            if (CompareTree(before, oldTree, after, tree, edits, changed) is { } reason)
            {
                return EditPlan.FullCopy(reason);
            }
        }

        return new EditPlan(edits, null, changed.Count == 0 ? "no code changed" : Summarize(changed));
    }

    private static string Summarize(List<string> changed) =>
        changed.Count <= 3 ? string.Join(", ", changed) : $"{string.Join(", ", changed.Take(3))} and {changed.Count - 3} more";

    private static string? CompareTree(Compilation before, SyntaxTree? oldTree, Compilation after, SyntaxTree newTree, List<SemanticEdit> edits, List<string> changed)
    {
        var oldMembers = oldTree is null ? new Dictionary<string, Member>() : Members(before, oldTree);
        var newMembers = Members(after, newTree);
        if (oldMembers.Keys.FirstOrDefault(k => !newMembers.ContainsKey(k)) is { } gone)
        {
            return $"{oldMembers[gone].Name} was removed or its signature changed";
        }

        foreach (var (key, member) in newMembers)
        {
            if (!oldMembers.TryGetValue(key, out var old))
            {
                switch (Addition(before, member.Symbol))
                {
                    case Added.Refused:
                        return $"{member.Name} was added ({member.Kind})";
                    case Added.Inserted:
                        edits.Add(new SemanticEdit(SemanticEditKind.Insert, null, member.Symbol));
                        changed.Add(member.Name + " added");
                        break;
                }

                continue;
            }

            if (!SyntaxFactory.AreEquivalent(old.Header, member.Header, topLevel: false))
            {
                return $"the declaration of {member.Name} changed";
            }

            if (member.Symbol is INamedTypeSymbol)
            {
                continue; // its members are compared one by one
            }

            var bodyChanged = !SyntaxFactory.AreEquivalent(old.Syntax, member.Syntax, topLevel: false);
            var moved = old.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line != member.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line;
            if (!bodyChanged && !moved)
            {
                continue;
            }

            foreach (var (oldMethod, newMethod) in Methods(old.Symbol).Zip(Methods(member.Symbol)))
            {
                edits.Add(new SemanticEdit(SemanticEditKind.Update, oldMethod, newMethod, SyntaxMap(old.Syntax, member.Syntax)));
            }

            if (bodyChanged)
            {
                changed.Add(member.Name);
            }
        }

        return null;
    }

    private enum Added
    {
        Refused,
        Inserted,
        WithItsType,
    }

    /// <summary>
    /// What a patch does with a member the save added: inserts a method, or a type none of whose enclosing types is new
    /// too; a member of a new type comes with that type. Anything else it refuses.
    /// </summary>
    private static Added Addition(Compilation before, ISymbol symbol)
    {
        if (symbol.ContainingType is { } containing && IsNew(before, containing))
        {
            return Added.WithItsType;
        }

        return symbol switch
        {
            INamedTypeSymbol type => IsNew(before, type) ? Added.Inserted : Added.Refused,
            IMethodSymbol { MethodKind: MethodKind.Ordinary, IsAbstract: false, IsVirtual: false, IsOverride: false, IsExtern: false, PartialDefinitionPart: null, PartialImplementationPart: null } method
                when method.ContainingType.TypeKind is TypeKind.Class or TypeKind.Struct && method.ExplicitInterfaceImplementations.IsEmpty => Added.Inserted,
            _ => Added.Refused,
        };
    }

    private static bool IsNew(Compilation before, INamedTypeSymbol type) =>
        before.Assembly.GetTypeByMetadataName(MetadataName(type)) is null;

    private static string MetadataName(INamedTypeSymbol type) => type.ContainingType is { } outer
        ? MetadataName(outer) + "+" + type.MetadataName
        : (type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString() + ".") + type.MetadataName;

    /// <summary>The methods whose IL a member's declaration holds: a method itself, or a property's or event's accessors.</summary>
    private static IEnumerable<IMethodSymbol> Methods(ISymbol symbol) => symbol switch
    {
        IMethodSymbol method => [method],
        IPropertySymbol property => new[] { property.GetMethod, property.SetMethod }.OfType<IMethodSymbol>(),
        IEventSymbol e => new[] { e.AddMethod, e.RemoveMethod }.OfType<IMethodSymbol>(),
        _ => [],
    };

    /// <summary>
    /// Maps a node of the new body to the node of the old one in the same place: the n-th node of its kind in the member.
    /// It keeps a changed method's lambdas, closures and locals where they were when the save left their structure as
    /// it was (a changed expression, a changed statement). When the structure changed, a lambda may map to another or to
    /// none; the compiler then emits it as new, and a patch that would add a field to an existing type is refused by
    /// <see cref="PatchCompiler"/> for a full copy.
    /// </summary>
    private static Func<SyntaxNode, SyntaxNode?> SyntaxMap(SyntaxNode oldMember, SyntaxNode newMember)
    {
        Dictionary<int, List<SyntaxNode>>? oldByKind = null;
        Dictionary<int, List<SyntaxNode>>? newByKind = null;
        return node =>
        {
            oldByKind ??= ByKind(oldMember);
            newByKind ??= ByKind(newMember);
            if (!newByKind.TryGetValue(node.RawKind, out var newNodes) || !oldByKind.TryGetValue(node.RawKind, out var oldNodes))
            {
                return null;
            }

            var index = newNodes.IndexOf(node);
            return index >= 0 && index < oldNodes.Count ? oldNodes[index] : null;
        };
    }

    private static Dictionary<int, List<SyntaxNode>> ByKind(SyntaxNode member)
    {
        var byKind = new Dictionary<int, List<SyntaxNode>>();
        foreach (var node in member.DescendantNodesAndSelf())
        {
            if (!byKind.TryGetValue(node.RawKind, out var list))
            {
                byKind[node.RawKind] = list = [];
            }

            list.Add(node);
        }

        return byKind;
    }

    private sealed record Member(string Name, string Kind, ISymbol Symbol, SyntaxNode Syntax, SyntaxNode Header);

    /// <summary>The declarations in one file, by a key that names the symbol with its signature (and which of its parts).</summary>
    private static Dictionary<string, Member> Members(Compilation compilation, SyntaxTree tree)
    {
        var model = compilation.GetSemanticModel(tree);
        var members = new Dictionary<string, Member>(StringComparer.Ordinal);
        foreach (var node in tree.GetRoot().DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax))
        {
            SyntaxNode? declaration = node switch
            {
                BaseTypeDeclarationSyntax or DelegateDeclarationSyntax => node,
                BaseFieldDeclarationSyntax field => field.Declaration.Variables.FirstOrDefault(),
                MemberDeclarationSyntax and not BaseNamespaceDeclarationSyntax and not GlobalStatementSyntax => node,
                GlobalStatementSyntax => node,
                _ => null,
            };
            if (declaration is null)
            {
                continue;
            }

            var symbol = node is GlobalStatementSyntax ? null : model.GetDeclaredSymbol(declaration);
            if (symbol is null)
            {
                // Top-level statements and the like: nothing a patch knows how to match.
                members["?" + members.Count] = new Member(node.ToString(), "statement", model.Compilation.Assembly, node, node);
                continue;
            }

            var key = symbol.GetDocumentationCommentId() ?? symbol.ToDisplayString();
            for (var part = 1; members.ContainsKey(key); part++)
            {
                key = (symbol.GetDocumentationCommentId() ?? symbol.ToDisplayString()) + "#" + part; // partial parts
            }

            members[key] = new Member(Name(symbol), KindOf(node), symbol, node, Header(node));
        }

        return members;
    }

    private static string Name(ISymbol symbol) => symbol.ContainingType is { } type ? $"{type.Name}.{symbol.Name}" : symbol.Name;

    private static string KindOf(SyntaxNode node) => node switch
    {
        BaseFieldDeclarationSyntax => "a field",
        PropertyDeclarationSyntax or IndexerDeclarationSyntax => "a property",
        EventDeclarationSyntax => "an event",
        ConstructorDeclarationSyntax => "a constructor",
        BaseTypeDeclarationSyntax or DelegateDeclarationSyntax => "a type",
        _ => "a member that is not a plain method",
    };

    /// <summary>A declaration without what a patch may change: a type without its members, a method without its body.</summary>
    private static SyntaxNode Header(SyntaxNode node) => node switch
    {
        TypeDeclarationSyntax type => type.WithMembers(default),
        EnumDeclarationSyntax => node, // a new or changed enum member is a change of its shape
        _ => new BodyStripper().Visit(node),
    };

    /// <summary>Replaces each body of a method, accessor, constructor or operator with an empty one.</summary>
    private sealed class BodyStripper : CSharpSyntaxRewriter
    {
        private static readonly BlockSyntax EmptyBody = SyntaxFactory.Block();
        private static readonly ExpressionSyntax AnyExpression = SyntaxFactory.IdentifierName("_");

        public override SyntaxNode? VisitBlock(BlockSyntax node) =>
            node.Parent is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax ? EmptyBody : node;

        public override SyntaxNode? VisitArrowExpressionClause(ArrowExpressionClauseSyntax node) =>
            node.Parent is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or PropertyDeclarationSyntax or IndexerDeclarationSyntax
                ? node.WithExpression(AnyExpression)
                : node;
    }
}
