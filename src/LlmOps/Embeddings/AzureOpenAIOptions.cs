namespace LlmOps.Embeddings;

/// <summary>Where the <c>azure-openai</c> embedding provider is (bound from <c>LlmOps:AzureOpenAI</c>).</summary>
public sealed class AzureOpenAIOptions
{
    public const string SectionName = "LlmOps:AzureOpenAI";

    /// <summary>The resource endpoint, e.g. https://my-resource.openai.azure.com/.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>A key; when empty, Microsoft Entra tokens are used (the app's managed identity in Azure).</summary>
    public string? ApiKey { get; set; }

    /// <summary>With no key: the client id of the user-assigned managed identity to get tokens as; empty uses DefaultAzureCredential.</summary>
    public string? ClientId { get; set; }

    /// <summary>Retries of throttled (429, honouring Retry-After) and transient failures per request.</summary>
    public int MaxRetries { get; set; } = 6;

    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);
}
