using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using LlmOps.LocalHost.Worker;

namespace LlmOps.Tests.Functions;

/// <summary>The functions.metadata the Worker SDK generated when it built functions/LlmOps.Functions: what Azure indexes.</summary>
public static class FunctionsMetadata
{
    public static string AppPath => FunctionWorker.DefaultAppPath;

    public static string Path => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(AppPath)!, "functions.metadata");

    /// <summary>Each function's JSON object, by name.</summary>
    public static IReadOnlyDictionary<string, JsonElement> Load()
    {
        Assert.True(File.Exists(Path), $"No functions.metadata at {Path}: functions/LlmOps.Functions is built by the test command.");
        using var document = JsonDocument.Parse(File.ReadAllText(Path));
        return document.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone(), StringComparer.Ordinal);
    }

    /// <summary>The trigger binding of one function's metadata.</summary>
    public static JsonElement Trigger(JsonElement function) =>
        function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

    /// <summary>The full type names a function's class takes in its constructor, read from the built app.</summary>
    public static IReadOnlyList<string> InjectedTypes(string entryPoint)
    {
        var context = new AppLoadContext(AppPath);
        try
        {
            var typeName = entryPoint[..entryPoint.LastIndexOf('.')];
            var type = context.LoadFromAssemblyPath(AppPath).GetType(typeName, throwOnError: true)!;
            return [.. type.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType.FullName!)];
        }
        finally
        {
            context.Unload();
        }
    }

    private sealed class AppLoadContext(string appPath) : AssemblyLoadContext(isCollectible: true)
    {
        private readonly AssemblyDependencyResolver _resolver = new(appPath);

        protected override Assembly? Load(AssemblyName assemblyName) =>
            _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }
}
