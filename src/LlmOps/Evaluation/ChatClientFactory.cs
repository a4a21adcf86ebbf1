using Azure.Core;
using LlmOps.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluation;

/// <summary>
/// The chat model an evaluation target or judge calls: <see cref="ExtractiveResponder.ModelName"/> (the offline
/// default) or an Azure OpenAI chat deployment by name, with the same endpoint and credentials as the embeddings
/// (<c>LlmOps:AzureOpenAI</c>: a key, or Microsoft Entra tokens).
/// </summary>
public sealed class ChatClientFactory(IOptions<AzureOpenAIOptions> azureOptions, TokenCredential? credential = null)
{
    public IChatClient Create(string? model)
    {
        if (string.IsNullOrEmpty(model) || model == ExtractiveResponder.ModelName)
        {
            return new ExtractiveResponder();
        }

        return EmbeddingGeneratorFactory.Client(azureOptions.Value, credential, $"The chat model '{model}' is an Azure OpenAI deployment")
            .GetChatClient(model).AsIChatClient();
    }
}
