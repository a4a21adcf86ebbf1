using Azure;

namespace LlmOps.Triggers;

/// <summary>The blob version a blob trigger fired for, and the tokens its path pattern bound.</summary>
public sealed record BlobTriggerInput(string Container, string Name, ETag ETag, IReadOnlyDictionary<string, string> Bindings)
{
    public string Path => $"{Container}/{Name}";
}
