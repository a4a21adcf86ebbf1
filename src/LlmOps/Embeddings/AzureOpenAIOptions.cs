namespace LlmOps.Embeddings;

/// <summary>Where the <c>azure-openai</c> embedding provider is (bound from <c>LlmOps:AzureOpenAI</c>).</summary>
public sealed class AzureOpenAIOptions
{
    public const string SectionName = "LlmOps:AzureOpenAI";

    /// <summary>The resource endpoint, e.g. https://my-resource.openai.azure.com/.</summary>
    public Uri? Endpoint { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>Retries of throttled (429, honouring Retry-After) and transient failures per request.</summary>
    public int MaxRetries { get; set; } = 6;

    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);
}
