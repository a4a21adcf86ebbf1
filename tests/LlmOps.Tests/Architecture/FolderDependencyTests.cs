using LlmOps.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LlmOps.Tests.Architecture;

/// <summary>
/// The folders of src/LlmOps depend on each other one way: every type another folder's code names (bound by the C#
/// compiler, so a type named without a using counts too) draws an edge, and the edges may not close a cycle. The trigger
/// catalog, which lists every capability's handler, and the composition root at the top (LlmOpsClient, the service
/// registrations) are outside the graph: they depend on everything by design.
/// </summary>
public sealed class FolderDependencyTests
{
    private static readonly string Source = RepositoryRoot.Combine("src", "LlmOps");

    [Fact]
    public void FoldersOfTheCoreLibrary_DependOnEachOtherOneWay()
    {
        var edges = Edges();
        var cycles = StronglyConnected(edges).Where(c => c.Count > 1).ToList();
        var report = string.Join("\n", cycles.Select(cycle => string.Join(", ", cycle.Order(StringComparer.Ordinal)) + ":\n" + string.Join("\n",
            edges.Where(e => cycle.Contains(e.Key.From) && cycle.Contains(e.Key.To)).OrderBy(e => e.Key.From, StringComparer.Ordinal)
                .Select(e => $"  {e.Key.From} -> {e.Key.To} ({string.Join(", ", e.Value.Take(4))})"))));
        Assert.True(cycles.Count == 0, "Folders that depend on each other:\n" + report);
        // The graph is not empty: the binding found the dependencies there are (the test would pass on nothing otherwise).
        Assert.Contains(edges.Keys, e => e == ("Ingestion", "Datasets"));
        Assert.True(edges.Count > 30, $"only {edges.Count} folder dependencies were found");
    }

    /// <summary>From folder -> to folder, with the types named along that edge (as file: type).</summary>
    private static Dictionary<(string From, string To), SortedSet<string>> Edges()
    {
        var files = Directory.EnumerateFiles(Source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        var globalUsings = CSharpSyntaxTree.ParseText(
            "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;");
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), path: f)).Append(globalUsings).ToList();
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
            .Where(p => !Path.GetFileName(p).StartsWith("LlmOps", StringComparison.Ordinal))
            .DistinctBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("LlmOpsFolders", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var edges = new Dictionary<(string, string), SortedSet<string>>();
        foreach (var tree in trees.Where(t => t.FilePath.Length > 0))
        {
            var from = Folder(tree.FilePath);
            if (from is null || Path.GetFileName(tree.FilePath) == "TriggerCatalog.cs")
            {
                continue;
            }

            var model = compilation.GetSemanticModel(tree);
            foreach (var name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                var symbol = model.GetSymbolInfo(name).Symbol ?? model.GetSymbolInfo(name).CandidateSymbols.FirstOrDefault();
                var type = symbol as INamedTypeSymbol ?? symbol?.ContainingType;
                while (type?.ContainingType is { } outer)
                {
                    type = outer;
                }

                var space = type?.ContainingNamespace?.ToDisplayString();
                if (space is null || !space.StartsWith("LlmOps.", StringComparison.Ordinal) || type!.Locations.All(l => !l.IsInSource))
                {
                    continue;
                }

                var to = space.Split('.')[1];
                if (to != from)
                {
                    var key = (from, to);
                    if (!edges.TryGetValue(key, out var named))
                    {
                        edges[key] = named = new SortedSet<string>(StringComparer.Ordinal);
                    }

                    named.Add($"{Path.GetFileNameWithoutExtension(tree.FilePath)}: {type.Name}");
                }
            }
        }

        return edges;
    }

    /// <summary>The top folder under src/LlmOps; null for the composition root's files at the top.</summary>
    private static string? Folder(string path)
    {
        var parts = Path.GetRelativePath(Source, path).Split(Path.DirectorySeparatorChar);
        return parts.Length > 1 ? parts[0] : null;
    }

    /// <summary>Tarjan's strongly connected components of the folder graph.</summary>
    private static List<HashSet<string>> StronglyConnected(Dictionary<(string From, string To), SortedSet<string>> edges)
    {
        var nodes = edges.Keys.SelectMany(e => new[] { e.From, e.To }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var next = edges.Keys.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).ToList(), StringComparer.Ordinal);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<HashSet<string>>();
        foreach (var node in nodes.Where(n => !index.ContainsKey(n)))
        {
            Visit(node);
        }

        return components;

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var to in next.GetValueOrDefault(node, []))
            {
                if (!index.TryGetValue(to, out var seen))
                {
                    Visit(to);
                    low[node] = Math.Min(low[node], low[to]);
                }
                else if (onStack.Contains(to))
                {
                    low[node] = Math.Min(low[node], seen);
                }
            }

            if (low[node] == index[node])
            {
                var component = new HashSet<string>(StringComparer.Ordinal);
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                components.Add(component);
            }
        }
    }
}
