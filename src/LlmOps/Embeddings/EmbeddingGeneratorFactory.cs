using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using LlmOps.Errors;
using LlmOps.Lifecycle;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace LlmOps.Embeddings;

/// <summary>Makes the embedding generator a lifecycle's <c>embedding</c> section asks for, wrapped in request batching.</summary>
public sealed class EmbeddingGeneratorFactory(IOptions<AzureOpenAIOptions> azureOptions)
{
    public BatchingEmbeddingGenerator Create(EmbeddingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        IEmbeddingGenerator<string, Embedding<float>> inner = settings.Provider switch
        {
            EmbeddingSettings.Local => new LocalEmbeddingGenerator(settings.Dimensions, settings.Model),
            EmbeddingSettings.AzureOpenAI => CreateAzure(settings),
            _ => throw LlmOpsException.Invalid($"Unknown embedding provider '{settings.Provider}': expected {EmbeddingSettings.Local} or {EmbeddingSettings.AzureOpenAI}."),
        };
        return new BatchingEmbeddingGenerator(inner, settings.MaxBatchInputs, settings.MaxBatchTokens);
    }

    private IEmbeddingGenerator<string, Embedding<float>> CreateAzure(EmbeddingSettings settings)
    {
        var options = azureOptions.Value;
        if (options.Endpoint is null || string.IsNullOrWhiteSpace(options.ApiKey))
        {
            throw LlmOpsException.Invalid(
                $"The lifecycle asks for the {EmbeddingSettings.AzureOpenAI} embedding provider: set {AzureOpenAIOptions.SectionName}:Endpoint and {AzureOpenAIOptions.SectionName}:ApiKey (app settings LlmOps__AzureOpenAI__Endpoint and LlmOps__AzureOpenAI__ApiKey).");
        }

        var client = new AzureOpenAIClient(options.Endpoint, new ApiKeyCredential(options.ApiKey), new AzureOpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(options.MaxRetries),
            NetworkTimeout = options.NetworkTimeout,
        });
        return client.GetEmbeddingClient(settings.Deployment ?? settings.Model).AsIEmbeddingGenerator(settings.Dimensions);
    }
}
