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
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmOps;

/// <summary>
/// Every LlmOps service over one storage account, for callers without a host: the CLI and notebooks. It is composed by
/// <see cref="LlmOpsServiceCollectionExtensions.AddLlmOps"/>, as the hosts are, and configured from the environment as
/// the function app is (LlmOps__AzureOpenAI__Endpoint, __ApiKey).
/// </summary>
public sealed class LlmOpsClient : IDisposable
{
    private readonly ServiceProvider _services;

    /// <param name="connectionString">The account's connection string; null reads the account from the environment as the
    /// function app does (<c>AzureWebJobsStorage</c>, or its identity-based <c>__blobServiceUri</c>... settings).</param>
    /// <param name="caller">Who makes the changes this client makes (null: the signed-in Azure identity, or the local identity file; see <see cref="Governance.ProcessIdentity"/>).</param>
    /// <param name="clock">The clock every service reads (null: the system clock); a test runs retention days ahead with it.</param>
    /// <param name="configure">Registers services before the defaults (which then stand aside), e.g. an Azure AI Search store with its own transport.</param>
    public LlmOpsClient(string? connectionString, string? storagePrefix = null, Governance.Caller? caller = null, TimeProvider? clock = null, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"{StorageOptions.SectionName}:ConnectionString"] = connectionString,
                [$"{StorageOptions.SectionName}:Prefix"] = storagePrefix,
            })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        if (clock is not null)
        {
            services.AddSingleton(clock);
        }

        configure?.Invoke(services);
        services.AddLlmOps(configuration);
        _services = services.BuildServiceProvider();
        Storage = Get<StorageAccount>();
        Lineage = Get<LineageStore>();
        Tracker = Get<ExperimentTracker>();
        Lifecycles = Get<LifecycleCatalog>();
        Registry = Get<ModelRegistry>();
        Datasets = Get<DatasetStore>();
        Indexes = Get<EmbeddingIndexStore>();
        Generators = Get<EmbeddingGeneratorFactory>();
        Refresher = Get<EmbeddingRefresher>();
        Mirror = Get<SearchIndexMirror>();
        Search = Get<SemanticSearch>();
        Evaluator = Get<RetrievalEvaluator>();
        Ingestor = Get<DropIngestor>();
        Drift = Get<DriftChecker>();
        Labeling = Get<Labeling.LabelQualityCheck>();
        EvaluationSets = Get<EvaluationSets>();
        Feedback = Get<Feedback.FeedbackStore>();
        FeedbackIngestor = Get<Feedback.FeedbackIngestor>();
        FeedbackAnalytics = Get<Feedback.FeedbackAnalytics>();
        Notifications = Get<Notifications.NotificationOutbox>();
        Gates = Get<ReleaseGateCheck>();
        Canaries = Get<CanaryCheck>();
        Poison = Get<Triggers.PoisonStore>();
        Status = Get<Monitoring.OperationsStatus>();
        Budgets = Get<Feedback.BudgetTracker>();
        Governance = Get<Governance.ChangeControl>();
        Governance.DefaultCaller = caller ?? global::LlmOps.Governance.ProcessIdentity.Resolve(Storage.Credential);
        Keys = Get<Governance.ApiKeyStore>();
        Subjects = Get<Governance.SubjectHasher>();
        Cards = Get<Cards.CardWriter>();
        Holds = Get<Compliance.LegalHoldStore>();
        Retention = Get<Compliance.RetentionRunner>();
        Erasure = Get<Compliance.ErasureRunner>();
    }

    /// <summary>A data subject erased everywhere (<c>llmops erase</c>).</summary>
    public Compliance.ErasureRunner Erasure { get; }

    /// <summary>Legal holds retention respects (<c>llmops hold</c>).</summary>
    public Compliance.LegalHoldStore Holds { get; }

    /// <summary>The lifecycles' retention applied now (<c>llmops retention run</c>; the Retention timer in the hosts).</summary>
    public Compliance.RetentionRunner Retention { get; }

    /// <summary>Model, prompt and dataset cards from what LlmOps recorded (<c>llmops card</c>).</summary>
    public Cards.CardWriter Cards { get; }

    /// <summary>The keyed hash user and session ids are kept as.</summary>
    public Governance.SubjectHasher Subjects { get; }

    /// <summary>Roles, the audit log, and the caller every change of this client is made and recorded as.</summary>
    public Governance.ChangeControl Governance { get; }

    /// <summary>Named keys for the HTTP API (<c>llmops keys</c>).</summary>
    public Governance.ApiKeyStore Keys { get; }

    /// <summary>Who this client's changes are made as.</summary>
    public Governance.Caller Caller => Governance.Caller;

    /// <summary>Production traces and their scores, by trace id.</summary>
    public Feedback.FeedbackStore Feedback { get; }

    /// <summary>Ingests traces and scores as the HTTP, OpenTelemetry and bulk paths do.</summary>
    public Feedback.FeedbackIngestor FeedbackIngestor { get; }

    /// <summary>Feedback statistics and SQL over the analytics Parquet, with embedded DuckDB.</summary>
    public Feedback.FeedbackAnalytics FeedbackAnalytics { get; }

    /// <summary>Evaluation sets: publish one from a file, read any dataset version as one.</summary>
    public EvaluationSets EvaluationSets { get; }

    /// <summary>Evaluations of prompt versions, release gates against the champion, and promotion through them.</summary>
    public ReleaseGateCheck Gates { get; }

    /// <summary>Canary deployments compared with the stable ones on production traces; promoted or rolled back.</summary>
    public CanaryCheck Canaries { get; }

    /// <summary>Labeling QA: label imports, reports, adjudications (and the project's batches).</summary>
    public Labeling.LabelQualityCheck Labeling { get; }

    public DriftChecker Drift { get; }

    public StorageAccount Storage { get; }

    public LineageStore Lineage { get; }

    public ExperimentTracker Tracker { get; }

    public LifecycleCatalog Lifecycles { get; }

    /// <summary>Events raised to the lifecycles' <c>notify</c> channels, and the outbox of their deliveries.</summary>
    public Notifications.NotificationOutbox Notifications { get; }

    public ModelRegistry Registry { get; }

    public DatasetStore Datasets { get; }

    public EmbeddingIndexStore Indexes { get; }

    public EmbeddingGeneratorFactory Generators { get; }

    public EmbeddingRefresher Refresher { get; }

    /// <summary>Keeps Azure AI Search in step with the newest index version of a source (<c>store: azure-ai-search</c>).</summary>
    public SearchIndexMirror Mirror { get; }

    public SemanticSearch Search { get; }

    public RetrievalEvaluator Evaluator { get; }

    public DropIngestor Ingestor { get; }

    /// <summary>The poison queues: list, replay through the same handler, discard with a reason.</summary>
    public Triggers.PoisonStore Poison { get; }

    /// <summary>What is backed up, poisoned or late, per function (`llmops status`).</summary>
    public Monitoring.OperationsStatus Status { get; }

    /// <summary>The lifecycles' budgets against each day's spend.</summary>
    public Feedback.BudgetTracker Budgets { get; }

    /// <summary>Uploads a local file to raw/{source}/ and runs the ETL on it now (what the blob trigger does on a drop).</summary>
    public Task<IngestionResult> IngestFileAsync(string path, string source, CancellationToken cancellationToken = default) =>
        IngestFileAsync(path, source, null, cancellationToken);

    /// <summary>
    /// As <see cref="IngestFileAsync(string, string, CancellationToken)"/>, with <paramref name="preprocessing"/> (when not
    /// null) in place of the lifecycle's: each chunking an experiment tries becomes its own dataset version.
    /// </summary>
    public async Task<IngestionResult> IngestFileAsync(string path, string source, PreprocessingSettings? preprocessing, CancellationToken cancellationToken = default)
    {
        var raw = Storage.Container(StorageNames.RawContainer);
        var name = $"{source}/{Path.GetFileName(path)}";
        Azure.Response<Azure.Storage.Blobs.Models.BlobContentInfo> uploaded;
        await using (var file = File.OpenRead(path))
        {
            uploaded = await raw.GetBlobClient(name).UploadAsync(file, overwrite: true, cancellationToken);
        }

        return await Ingestor.IngestAsync(source, StorageNames.RawContainer, name, uploaded.Value.ETag, preprocessing, cancellationToken);
    }

    /// <summary>Uploads a local label file to labels/{project}/ and imports it now (what the LabelQA blob trigger does).</summary>
    public async Task<Labeling.LabelingReport> ImportLabelsAsync(string path, string project, CancellationToken cancellationToken = default)
    {
        var name = $"{project}/{Path.GetFileName(path)}";
        Azure.Response<Azure.Storage.Blobs.Models.BlobContentInfo> uploaded;
        await using (var file = File.OpenRead(path))
        {
            uploaded = await Storage.Container(StorageNames.LabelsContainer).GetBlobClient(name).UploadAsync(file, overwrite: true, cancellationToken);
        }

        return await Labeling.ImportAsync(StorageNames.LabelsContainer, name, uploaded.Value.ETag, cancellationToken)
            ?? throw Errors.LlmOpsException.Invalid($"'{name}' is under the project's task sets, not a label file.");
    }

    /// <summary>Creates every container, queue and table once (the CLI and notebooks call it on connect).</summary>
    public Task ProvisionAsync(CancellationToken cancellationToken = default) => StorageProvisioner.EnsureAsync(Storage, cancellationToken);

    /// <summary>Disposes the services the client made (the lifecycle cache, the loaded search index).</summary>
    public void Dispose() => _services.Dispose();

    private T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();
}
