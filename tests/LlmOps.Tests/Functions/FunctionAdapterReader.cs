using LlmOps.Triggers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmOps.Tests.Functions;

/// <summary>Reads every [Function] method of a compilation with its trigger attribute's constant arguments.</summary>
public static class FunctionAdapterReader
{
    private const string WorkerNamespace = "Microsoft.Azure.Functions.Worker";

    public static IReadOnlyList<FunctionAdapter> Read(CSharpCompilation compilation)
    {
        var adapters = new List<FunctionAdapter>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var method in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>())
            {
                if (model.GetDeclaredSymbol(method) is not IMethodSymbol symbol)
                {
                    continue;
                }

                var function = symbol.GetAttributes().FirstOrDefault(a => IsWorker(a, "FunctionAttribute"));
                if (function?.ConstructorArguments.FirstOrDefault().Value is not string name)
                {
                    continue;
                }

                adapters.Add(Describe(name, symbol, tree.FilePath));
            }
        }

        return adapters;
    }

    private static FunctionAdapter Describe(string name, IMethodSymbol method, string file)
    {
        var injected = method.ContainingType.InstanceConstructors
            .SelectMany(c => c.Parameters)
            .Select(p => p.Type.ToDisplayString())
            .ToList();
        foreach (var attribute in method.Parameters.SelectMany(p => p.GetAttributes()))
        {
            var args = attribute.ConstructorArguments;
            switch (attribute.AttributeClass?.Name)
            {
                case "BlobTriggerAttribute" when IsWorker(attribute, "BlobTriggerAttribute"):
                    var source = attribute.NamedArguments.FirstOrDefault(n => n.Key == "Source").Value;
                    var sourceName = source.Value is int value ? Enum.GetName(typeof(BlobSourceNames), value) : null;
                    return new FunctionAdapter(name, TriggerKind.Blob, args[0].Value as string, [], null, sourceName, injected, file);
                case "QueueTriggerAttribute" when IsWorker(attribute, "QueueTriggerAttribute"):
                    return new FunctionAdapter(name, TriggerKind.Queue, args[0].Value as string, [], null, null, injected, file);
                case "TimerTriggerAttribute" when IsWorker(attribute, "TimerTriggerAttribute"):
                    return new FunctionAdapter(name, TriggerKind.Timer, args[0].Value as string, [], null, null, injected, file);
                case "HttpTriggerAttribute" when IsWorker(attribute, "HttpTriggerAttribute"):
                    // As the worker's constructors set it: HttpTrigger() is Function; HttpTrigger("get", ...) leaves Anonymous.
                    var level = args.Length == 0 ? 2 : args[0].Type?.Name == "AuthorizationLevel" ? (int)args[0].Value! : 0;
                    var methods = args.Where(a => a.Kind == TypedConstantKind.Array).SelectMany(a => a.Values).Select(v => ((string)v.Value!).ToUpperInvariant()).ToList();
                    var route = attribute.NamedArguments.FirstOrDefault(n => n.Key == "Route").Value.Value as string;
                    return new FunctionAdapter(name, TriggerKind.Http, route ?? name, methods, MapLevel(level), null, injected, file);
            }
        }

        return new FunctionAdapter(name, null, null, [], null, null, injected, file);
    }

    private static FunctionAuthLevel? MapLevel(int level) => level switch
    {
        0 => FunctionAuthLevel.Anonymous,
        2 => FunctionAuthLevel.Function,
        4 => FunctionAuthLevel.Admin,
        _ => null,
    };

    private static bool IsWorker(AttributeData attribute, string name) =>
        attribute.AttributeClass?.Name == name && attribute.AttributeClass.ContainingNamespace.ToDisplayString() == WorkerNamespace;

    private enum BlobSourceNames
    {
        LogsAndContainerScan,
        EventGrid,
    }
}
