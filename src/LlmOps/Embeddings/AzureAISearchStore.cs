using System.Text;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Search.Documents;
using Azure.Search.Documents.Indexes;
using LlmOps.Errors;
using Microsoft.Extensions.Options;

namespace LlmOps.Embeddings;

/// <summary>
/// The Azure AI Search service the <c>azure-ai-search</c> store writes to: one index per source, model and size
/// (<c>llmops-tickets-all-minilm-l6-v2-384</c>), reached with a key or Microsoft Entra tokens (the app's managed
/// identity), throttling retried by the client's policy. <paramref name="transport"/> replaces the HTTP transport (a
/// loopback server's certificate in tests).
/// </summary>
public sealed partial class AzureAISearchStore(IOptions<AzureAISearchOptions> options, TokenCredential? credential = null, HttpPipelineTransport? transport = null)
{
    private readonly Lazy<SearchIndexClient> _client = new(() => CreateClient(options.Value, credential, transport));

    public AzureAISearchOptions Options => options.Value;

    /// <summary>The collection that holds the chunks of <paramref name="source"/> embedded by <paramref name="model"/> at <paramref name="dimensions"/>.</summary>
    public AzureAISearchCollection Collection(string source, string model, int dimensions) =>
        new(_client.Value, IndexName(options.Value.IndexPrefix, source, model, dimensions), dimensions, options.Value);

    /// <summary>
    /// The index name: lower-case letters, digits and single dashes, at most 128 characters (the service's rule); a
    /// name cut to fit ends with a hash of the whole, so two long sources never share an index.
    /// </summary>
    public static string IndexName(string prefix, string source, string model, int dimensions)
    {
        var whole = $"{prefix}-{source}-{model}-{dimensions.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        var name = Dashes().Replace(NotAllowed().Replace(whole.ToLowerInvariant(), "-"), "-").Trim('-');
        if (name.Length > 128 || name != whole)
        {
            var hash = Convert.ToHexStringLower(System.IO.Hashing.XxHash32.Hash(Encoding.UTF8.GetBytes(whole)));
            name = (name.Length > 119 ? name[..119].TrimEnd('-') : name) + "-" + hash;
        }

        return name;
    }

    private static SearchIndexClient CreateClient(AzureAISearchOptions settings, TokenCredential? credential, HttpPipelineTransport? transport)
    {
        if (settings.Endpoint is null)
        {
            throw LlmOpsException.Invalid(
                $"The lifecycle asks for the azure-ai-search store: set {AzureAISearchOptions.SectionName}:Endpoint (app setting LlmOps__AzureAISearch__Endpoint), " +
                $"and either {AzureAISearchOptions.SectionName}:ApiKey or an identity with the Search Index Data Contributor and Search Service Contributor roles ({AzureAISearchOptions.SectionName}:ClientId for a user-assigned one).");
        }

        var clientOptions = new SearchClientOptions
        {
            Retry = { MaxRetries = settings.MaxRetries, Mode = RetryMode.Exponential, Delay = TimeSpan.FromMilliseconds(800), MaxDelay = TimeSpan.FromSeconds(60), NetworkTimeout = settings.NetworkTimeout },
        };
        if (transport is not null)
        {
            clientOptions.Transport = transport;
        }

        return string.IsNullOrWhiteSpace(settings.ApiKey)
            ? new SearchIndexClient(settings.Endpoint, credential ?? EmbeddingGeneratorFactory.Credential(settings.ClientId), clientOptions)
            : new SearchIndexClient(settings.Endpoint, new AzureKeyCredential(settings.ApiKey), clientOptions);
    }

    [GeneratedRegex("[^a-z0-9-]")]
    private static partial Regex NotAllowed();

    [GeneratedRegex("-{2,}")]
    private static partial Regex Dashes();
}
