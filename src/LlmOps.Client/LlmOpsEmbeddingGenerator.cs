using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace LlmOps.Client;

/// <summary>
/// The embedding counterpart of <see cref="LlmOpsChatClient"/>: one span per call (<c>gen_ai.operation.name</c>
/// <c>embeddings</c>, the model, input tokens when the generator reports them, how many values), exported to LlmOps
/// the same buffered way; LlmOps prices it from the lifecycle's costs and counts it in budgets, not in answer statistics.
/// </summary>
public sealed class LlmOpsEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly string _feature;
    private readonly LlmOpsClientOptions _options;
    private readonly SpanExporter _spans;
    private readonly EmbeddingGeneratorMetadata? _metadata;

    public LlmOpsEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> innerGenerator, string feature, LlmOpsClientOptions options)
        : base(innerGenerator)
    {
        ArgumentException.ThrowIfNullOrEmpty(feature);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoint is null)
        {
            throw new ArgumentException("LlmOpsClientOptions needs Endpoint (the LlmOps app).", nameof(options));
        }

        _feature = feature;
        _options = options;
        _spans = new SpanExporter(options);
        _metadata = innerGenerator.GetService<EmbeddingGeneratorMetadata>();
    }

    public int BufferedSpans => _spans.Buffered;

    public long ExportedSpans => _spans.Exported;

    public Task<bool> FlushAsync() => _spans.TryExportAsync();

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values as IReadOnlyCollection<string> ?? values.ToList();
        var span = SpanExporter.Start("embeddings", _metadata?.ProviderName, options?.ModelId ?? _metadata?.DefaultModelId, _feature);
        span.SetTag("llmops.embedding.values", inputs.Count);
        try
        {
            var embeddings = await base.GenerateAsync(inputs, options, cancellationToken);
            span.SetTag("gen_ai.usage.input_tokens", embeddings.Usage?.InputTokenCount);
            span.Stop();
            _spans.Add(span);
            return embeddings;
        }
        catch (Exception ex)
        {
            span.SetStatus(ActivityStatusCode.Error, ex.Message);
            span.SetTag("error.type", ex.GetType().FullName);
            span.Stop();
            _spans.Add(span);
            throw;
        }
    }

    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(LlmOpsEmbeddingGenerator) ? this : base.GetService(serviceType, serviceKey);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ = _spans.TryExportAsync().Wait(_options.Timeout);
            _spans.Dispose();
        }

        base.Dispose(disposing);
    }
}
