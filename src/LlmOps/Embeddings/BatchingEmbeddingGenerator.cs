using System.Diagnostics;
using LlmOps.Errors;
using LlmOps.Telemetry;
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

    private readonly string _provider = inner.GetService<EmbeddingGeneratorMetadata>()?.ProviderName ?? "unknown";
    private readonly string _model = inner.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? "unknown";

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
            // One span and one call per request, in the OpenTelemetry GenAI shape.
            using var span = LlmOpsTelemetry.Embeddings.StartActivity("embeddings " + _model, ActivityKind.Client);
            span?.SetTag("gen_ai.operation.name", "embeddings");
            span?.SetTag("gen_ai.provider.name", _provider);
            span?.SetTag("gen_ai.request.model", _model);
            span?.SetTag("gen_ai.usage.input_tokens", batchTokens);
            span?.SetTag("llmops.embedding.inputs", batch.Count);
            GeneratedEmbeddings<Embedding<float>> embeddings;
            try
            {
                embeddings = await base.GenerateAsync(batch, options, cancellationToken);
            }
            catch (Exception ex)
            {
                span.RecordError(ex);
                throw;
            }

            var provider = new KeyValuePair<string, object?>("gen_ai.provider.name", _provider);
            LlmOpsTelemetry.EmbeddingCalls.Add(1, provider);
            LlmOpsTelemetry.EmbeddingTokens.Add(batchTokens, provider);
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
