using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using Azure.Core;
using Azure.Identity;
using LlmOps.Errors;
using LlmOps.Lifecycle;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace LlmOps.Embeddings;

/// <summary>Makes the embedding generator a lifecycle's <c>embedding</c> section asks for, wrapped in request batching.</summary>
public sealed class EmbeddingGeneratorFactory(IOptions<AzureOpenAIOptions> azureOptions, TokenCredential? credential = null)
{
    public BatchingEmbeddingGenerator Create(EmbeddingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        IEmbeddingGenerator<string, Embedding<float>> inner = settings.Provider switch
        {
            EmbeddingSettings.Local when settings.Model == MiniLmEmbeddingGenerator.ModelName => new MiniLmEmbeddingGenerator(settings.Dimensions),
            EmbeddingSettings.Local => new LocalEmbeddingGenerator(settings.Dimensions, settings.Model),
            EmbeddingSettings.AzureOpenAI => CreateAzure(settings),
            _ => throw LlmOpsException.Invalid($"Unknown embedding provider '{settings.Provider}': expected {EmbeddingSettings.Local} or {EmbeddingSettings.AzureOpenAI}."),
        };
        return new BatchingEmbeddingGenerator(inner, settings.MaxBatchInputs, settings.MaxBatchTokens);
    }

    private IEmbeddingGenerator<string, Embedding<float>> CreateAzure(EmbeddingSettings settings) =>
        Client(azureOptions.Value, credential, $"The lifecycle asks for the {EmbeddingSettings.AzureOpenAI} embedding provider")
            .GetEmbeddingClient(settings.Deployment ?? settings.Model).AsIEmbeddingGenerator(settings.Dimensions);

    /// <summary>
    /// An Azure OpenAI client from the options: a key when one is set, otherwise Microsoft Entra tokens (as with
    /// storage: no secret in app settings); throttling (429, honouring Retry-After) retried by the client's policy.
    /// </summary>
    internal static AzureOpenAIClient Client(AzureOpenAIOptions options, TokenCredential? credential, string why)
    {
        if (options.Endpoint is null)
        {
            throw LlmOpsException.Invalid(
                $"{why}: set {AzureOpenAIOptions.SectionName}:Endpoint (app setting LlmOps__AzureOpenAI__Endpoint), " +
                $"and either {AzureOpenAIOptions.SectionName}:ApiKey or an identity with the Cognitive Services OpenAI User role ({AzureOpenAIOptions.SectionName}:ClientId for a user-assigned one).");
        }

        var clientOptions = new AzureOpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(options.MaxRetries),
            NetworkTimeout = options.NetworkTimeout,
        };
        return string.IsNullOrWhiteSpace(options.ApiKey)
            ? new AzureOpenAIClient(options.Endpoint, credential ?? Credential(options.ClientId), clientOptions)
            : new AzureOpenAIClient(options.Endpoint, new ApiKeyCredential(options.ApiKey), clientOptions);
    }

    /// <summary>The identity an Azure client without a key uses: the user-assigned managed identity <paramref name="clientId"/> names, else DefaultAzureCredential.</summary>
    internal static TokenCredential Credential(string? clientId) =>
        string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
}
