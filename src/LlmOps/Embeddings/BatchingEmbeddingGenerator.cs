using LlmOps.Errors;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace LlmOps.Embeddings;

/// <summary>
/// Cuts what it is asked to embed into requests within the provider's limits (inputs per request, tokens per request,
/// tokens per input) and counts every request in <see cref="Usage"/>.
/// </summary>
public sealed class BatchingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, int maxInputs, int maxTokens, int maxTokensPerInput = BatchingEmbeddingGenerator.AzureMaxTokensPerInput)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    /// <summary>Azure OpenAI's per-input limit for the text-embedding models.</summary>
    public const int AzureMaxTokensPerInput = 8191;

    private static readonly Lazy<Tokenizer> Counter = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    public EmbeddingUsage Usage { get; } = new();

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new GeneratedEmbeddings<Embedding<float>>();
        var batch = new List<string>();
        var batchTokens = 0;
        var position = 0;
        foreach (var value in values)
        {
            var tokens = Counter.Value.CountTokens(value);
            if (tokens > maxTokensPerInput)
            {
                throw LlmOpsException.Invalid($"Input {position} has {tokens} tokens; the provider takes at most {maxTokensPerInput} per input (chunk it smaller in the lifecycle's preprocessing.chunking).");
            }

            if (batch.Count > 0 && (batch.Count == maxInputs || batchTokens + tokens > maxTokens))
            {
                await SendAsync();
            }

            batch.Add(value);
            batchTokens += tokens;
            position++;
        }

        if (batch.Count > 0)
        {
            await SendAsync();
        }

        return result;

        async Task SendAsync()
        {
            var embeddings = await base.GenerateAsync(batch, options, cancellationToken);
            Usage.Record(batch.Count);
            if (embeddings.Count != batch.Count)
            {
                throw new InvalidOperationException($"The provider returned {embeddings.Count} embeddings for {batch.Count} inputs.");
            }

            result.AddRange(embeddings);
            batch.Clear();
            batchTokens = 0;
        }
    }
}
