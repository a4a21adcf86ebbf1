namespace LlmOps.Storage;

/// <summary>The containers, queues and tables of ARCHITECTURE.md, named once.</summary>
public static class StorageNames
{
    public const string RawContainer = "raw";
    public const string QuarantineContainer = "quarantine";
    public const string DatasetsContainer = "datasets";
    public const string EmbeddingsContainer = "embeddings";
    public const string ReportsContainer = "reports";
    public const string ArtifactsContainer = "artifacts";
    public const string LabelsContainer = "labels";
    public const string ConfigContainer = "config";
    public const string FeedbackContainer = "feedback";
    public const string AnalyticsContainer = "analytics";

    /// <summary>Receipts, locks, schedule status and keys of the local host (Azure's azure-webjobs-hosts).</summary>
    public const string HostContainer = "llmops-hosts";

    /// <summary>The audit log's append blobs (<c>log/NNNNNN.jsonl</c>).</summary>
    public const string AuditContainer = "audit";

    /// <summary>Lifecycle files live under this prefix of the config container, one per feature.</summary>
    public const string LifecyclePrefix = "lifecycles/";

    public const string DatasetVersionsQueue = "dataset-versions";
    public const string ActionsQueue = "actions";
    public const string BlobPoisonQueue = "blob-poison";
    public const string NotificationsQueue = "notifications";

    /// <summary>Shards of large drops (<c>sources[].shard_mb</c>), taken by any host instance.</summary>
    public const string IngestShardsQueue = "ingest-shards";

    public const string HeartbeatsTable = "heartbeats";
    public const string IngestionsTable = "ingestions";
    public const string DatasetVersionsTable = "datasetversions";
    public const string LineageTable = "lineage";
    public const string EmbeddingIndexesTable = "embeddingindexes";
    public const string DriftChecksTable = "driftchecks";
    public const string SearchQueriesTable = "searchqueries";
    public const string DriftActionsTable = "driftactions";
    public const string DriftScheduleTable = "driftschedule";
    public const string ExperimentsTable = "experiments";
    public const string RunsTable = "runs";
    public const string RunMetricsTable = "runmetrics";
    public const string RegistryTable = "registry";
    public const string LabelBatchesTable = "labelbatches";
    public const string AdjudicationsTable = "adjudications";
    public const string FeedbackTable = "feedback";
    public const string NotificationsTable = "notifications";
    public const string BudgetsTable = "budgets";
    public const string AuditTable = "audit";
    public const string RolesTable = "roles";
    public const string ApiKeysTable = "apikeys";
    public const string ApprovalsTable = "approvals";
    public const string HoldsTable = "holds";
    public const string SuppressionsTable = "suppressions";

    /// <summary>The local host's blob receipts (one row per function and blob version); the Functions host keeps its own in Azure.</summary>
    public const string BlobReceiptsTable = "llmopsblobreceipts";

    /// <summary>Every container, provisioned once at host and CLI start (<see cref="StorageProvisioner"/>), and by Bicep in Azure.</summary>
    public static IReadOnlyList<string> Containers { get; } =
        [RawContainer, QuarantineContainer, DatasetsContainer, EmbeddingsContainer, ReportsContainer, ArtifactsContainer, LabelsContainer, ConfigContainer, FeedbackContainer, AnalyticsContainer, HostContainer, AuditContainer];

    /// <summary>Every queue, with the poison queue of each triggered one.</summary>
    public static IReadOnlyList<string> Queues { get; } =
        [DatasetVersionsQueue, PoisonQueueFor(DatasetVersionsQueue), ActionsQueue, PoisonQueueFor(ActionsQueue), NotificationsQueue, PoisonQueueFor(NotificationsQueue), IngestShardsQueue, PoisonQueueFor(IngestShardsQueue), BlobPoisonQueue];

    /// <summary>Every table.</summary>
    public static IReadOnlyList<string> Tables { get; } =
        [HeartbeatsTable, IngestionsTable, DatasetVersionsTable, LineageTable, EmbeddingIndexesTable, DriftChecksTable, SearchQueriesTable, DriftActionsTable, DriftScheduleTable, ExperimentsTable, RunsTable, RunMetricsTable, RegistryTable, LabelBatchesTable, AdjudicationsTable, FeedbackTable, NotificationsTable, BudgetsTable, AuditTable, RolesTable, ApiKeysTable, ApprovalsTable, HoldsTable, SuppressionsTable, BlobReceiptsTable];

    /// <summary>The queue a failing message of <paramref name="queue"/> ends on.</summary>
    public static string PoisonQueueFor(string queue) => queue + "-poison";
}
