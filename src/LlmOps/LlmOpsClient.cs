using LlmOps.Datasets;
using LlmOps.Drift;
using LlmOps.Embeddings;
using LlmOps.Evaluation;
using LlmOps.Ingestion;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Registry;
using LlmOps.Storage;
using LlmOps.Tracking;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LlmOps;

/// <summary>
/// Every LlmOps service over one storage account, for callers without a host: the CLI and notebooks. The Azure OpenAI
/// provider is configured from the environment as in the function app (LlmOps__AzureOpenAI__Endpoint, __ApiKey).
/// </summary>
public sealed class LlmOpsClient : IDisposable
{
    public LlmOpsClient(string connectionString)
    {
        Storage = new StorageAccount(connectionString);
        var clock = TimeProvider.System;
        Lineage = new LineageStore(Storage, clock);
        Tracker = new ExperimentTracker(Storage, Lineage, clock);
        Lifecycles = new LifecycleCatalog(Storage);
        Registry = new ModelRegistry(Storage, Tracker, Lineage, Lifecycles, clock);
        Datasets = new DatasetStore(Storage);
        Indexes = new EmbeddingIndexStore(Storage);
        var azure = new AzureOpenAIOptions();
        new ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection(AzureOpenAIOptions.SectionName).Bind(azure);
        Generators = new EmbeddingGeneratorFactory(Options.Create(azure));
        Refresher = new EmbeddingRefresher(Datasets, Indexes, Lifecycles, Generators, Lineage, clock, NullLogger<EmbeddingRefresher>.Instance);
        Search = new SemanticSearch(Indexes, Lifecycles, Generators, new SearchQueryLog(Storage), clock);
        Evaluator = new RetrievalEvaluator(Search, Tracker);
        Ingestor = new DropIngestor(Storage, Lifecycles, Lineage, clock, NullLogger<DropIngestor>.Instance);
        Drift = new DriftChecker(Storage, Datasets, Indexes, Lifecycles, Registry, Tracker, Lineage, [new RetrievalRelevanceSource(Storage)], clock);
    }

    public DriftChecker Drift { get; }

    public StorageAccount Storage { get; }

    public LineageStore Lineage { get; }

    public ExperimentTracker Tracker { get; }

    public LifecycleCatalog Lifecycles { get; }

    public ModelRegistry Registry { get; }

    public DatasetStore Datasets { get; }

    public EmbeddingIndexStore Indexes { get; }

    public EmbeddingGeneratorFactory Generators { get; }

    public EmbeddingRefresher Refresher { get; }

    public SemanticSearch Search { get; }

    public RetrievalEvaluator Evaluator { get; }

    public DropIngestor Ingestor { get; }

    /// <summary>Uploads a local file to raw/{source}/ and runs the ETL on it now (what the blob trigger does on a drop).</summary>
    public async Task<IngestionResult> IngestFileAsync(string path, string source, CancellationToken cancellationToken = default)
    {
        var raw = Storage.Container(StorageNames.RawContainer);
        await raw.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var name = $"{source}/{Path.GetFileName(path)}";
        Azure.Response<Azure.Storage.Blobs.Models.BlobContentInfo> uploaded;
        await using (var file = File.OpenRead(path))
        {
            uploaded = await raw.GetBlobClient(name).UploadAsync(file, overwrite: true, cancellationToken);
        }

        return await Ingestor.IngestAsync(source, StorageNames.RawContainer, name, uploaded.Value.ETag, cancellationToken);
    }

    public void Dispose()
    {
        Search.Dispose();
        Lifecycles.Dispose();
    }
}
