namespace LlmOps.Embeddings;

/// <summary>Where the <c>azure-ai-search</c> vector store is (bound from <c>LlmOps:AzureAISearch</c>).</summary>
public sealed class AzureAISearchOptions
{
    public const string SectionName = "LlmOps:AzureAISearch";

    /// <summary>The service endpoint, e.g. https://my-search.search.windows.net/.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>An admin key; when empty, Microsoft Entra tokens are used (the app's managed identity, with Search Index Data Contributor and Search Service Contributor).</summary>
    public string? ApiKey { get; set; }

    /// <summary>With no key: the client id of the user-assigned managed identity to get tokens as; empty uses DefaultAzureCredential.</summary>
    public string? ClientId { get; set; }

    /// <summary>Retries of a throttled (429, 503, honouring Retry-After) or failed request, and of the documents a batch answers as failed with a retriable status (409, 422, 503).</summary>
    public int MaxRetries { get; set; } = 6;

    /// <summary>Documents per <c>docs/index</c> request (the service takes at most 1,000 and 16 MB).</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Index names start with this (a service can hold several deployments' indexes).</summary>
    public string IndexPrefix { get; set; } = "llmops";

    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);
}
