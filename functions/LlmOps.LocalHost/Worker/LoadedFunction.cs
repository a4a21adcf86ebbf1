using System.Text.Json;
using LlmOps.LocalHost.Rpc;

namespace LlmOps.LocalHost.Worker;

/// <summary>A function the worker loaded: its id, its trigger binding's name and connection, and the worker's HTTP address.</summary>
internal sealed record LoadedFunction(string Name, string FunctionId, string TriggerBinding, string Connection, Uri? HttpUri)
{
    public static LoadedFunction From(RpcFunctionMetadata metadata, Uri? httpUri)
    {
        foreach (var raw in metadata.RawBindings)
        {
            using var binding = JsonDocument.Parse(raw);
            var root = binding.RootElement;
            if (root.TryGetProperty("type", out var type) && type.GetString() is { } kind && kind.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase))
            {
                var connection = root.TryGetProperty("connection", out var c) && c.GetString() is { Length: > 0 } named ? named : FunctionWorker.DefaultStorageConnection;
                return new LoadedFunction(metadata.Name, metadata.FunctionId, root.GetProperty("name").GetString()!, connection, httpUri);
            }
        }

        throw new InvalidOperationException($"The worker's function {metadata.Name} has no trigger binding.");
    }
}
