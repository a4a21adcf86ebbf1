using LlmOps.Datasets;
using LlmOps.Drift;
using LlmOps.Embeddings;
using LlmOps.Feedback;
using LlmOps.Ingestion;
using LlmOps.Labeling;
using LlmOps.Lineage;
using LlmOps.Monitoring;
using LlmOps.Storage;
using LlmOps.Tracking;

namespace LlmOps.Triggers;

/// <summary>
/// Every function of LlmOps, listed once. The local host runs these entries; functions/LlmOps.Functions has
/// exactly one adapter per entry with the same path, queue, schedule or route (checked by a parity test).
/// </summary>
public static class TriggerCatalog
{
    public const string IngestDrop = "IngestDrop";

    /// <summary>One shard of a drop above its source's <c>shard_mb</c>, on any instance.</summary>
    public const string IngestShard = "IngestShard";
    public const string IndexDatasetVersion = "IndexDatasetVersion";
    public const string Heartbeat = "Heartbeat";
    public const string Health = "Health";
    public const string Lineage = "Lineage";
    public const string ListRuns = "ListRuns";
    public const string GetRun = "GetRun";
    public const string Search = "Search";
    public const string DriftSchedule = "DriftSchedule";
    public const string LabelQa = "LabelQA";
    public const string Labeling = "Labeling";
    public const string PostTraces = "PostTraces";
    public const string PostScores = "PostScores";
    public const string RunDriftAction = "RunDriftAction";
    public const string OtlpTraces = "OtlpTraces";
    public const string IngestFeedback = "IngestFeedback";
    public const string CompactFeedback = "CompactFeedback";
    public const string CheckCanaries = "CheckCanaries";
    public const string Status = "Status";
    public const string DeliverNotification = "DeliverNotification";
    public const string CheckBudgets = "CheckBudgets";
    public const string Retention = "Retention";
    public const string Console = "Console";
    public const string ConsoleApi = "ConsoleApi";
    public const string ResolvePrompt = "ResolvePrompt";

    /// <summary>POST /api/guard: a text checked against its feature's lifecycle guardrails.</summary>
    public const string Guard = "Guard";

    /// <summary>When every feature's lifecycle retention is applied (expired raw drops, quarantine, traces, feedback, reports, task sets deleted).</summary>
    public const string RetentionScheduleSetting = "RetentionSchedule";

    public const string DefaultRetentionSchedule = "0 15 3 * * *";

    /// <summary>How often today's spend of every feature with budgets is recomputed from its traces and checked.</summary>
    public const string BudgetCheckScheduleSetting = "BudgetCheckSchedule";

    public const string DefaultBudgetCheckSchedule = "0 10 * * * *";

    /// <summary>How often canary deployments are compared with their stable deployments and promoted or rolled back.</summary>
    public const string CanaryCheckScheduleSetting = "CanaryCheckSchedule";

    public const string DefaultCanaryCheckSchedule = "0 */15 * * * *";

    /// <summary>When the feedback Parquet of past days is compacted into daily files.</summary>
    public const string FeedbackCompactScheduleSetting = "FeedbackCompactSchedule";

    public const string DefaultFeedbackCompactSchedule = "0 30 2 * * *";

    /// <summary>How often the drift timer looks for features whose lifecycle drift schedule is due.</summary>
    public const string DriftTickScheduleSetting = "DriftTickSchedule";

    public const string DefaultDriftTickSchedule = "0 */5 * * * *";

    /// <summary>The heartbeat schedule is an app setting so each environment picks its own cadence.</summary>
    public const string HeartbeatScheduleSetting = "HeartbeatSchedule";

    public const string DefaultHeartbeatSchedule = "0 */5 * * * *";

    public static IReadOnlyList<FunctionDefinition> All { get; } =
    [
        FunctionDefinition.Blob<IngestDropHandler>(IngestDrop, StorageNames.RawContainer + "/{source}/{name}"),
        FunctionDefinition.Blob<LabelQaHandler>(LabelQa, StorageNames.LabelsContainer + "/{project}/{name}"),
        FunctionDefinition.Blob<FeedbackDropHandler>(IngestFeedback, StorageNames.FeedbackContainer + "/{feature}/{name}"),
        FunctionDefinition.Queue<IngestShardHandler>(IngestShard, StorageNames.IngestShardsQueue),
        FunctionDefinition.Queue<DatasetVersionIndexer>(IndexDatasetVersion, StorageNames.DatasetVersionsQueue),
        FunctionDefinition.Queue<DriftActionHandler>(RunDriftAction, StorageNames.ActionsQueue),
        FunctionDefinition.Queue<Notifications.NotificationDeliverer>(DeliverNotification, StorageNames.NotificationsQueue),
        FunctionDefinition.Timer<HeartbeatRecorder>(Heartbeat, "%" + HeartbeatScheduleSetting + "%"),
        FunctionDefinition.Timer<DriftScheduler>(DriftSchedule, "%" + DriftTickScheduleSetting + "%"),
        FunctionDefinition.Timer<FeedbackCompactor>(CompactFeedback, "%" + FeedbackCompactScheduleSetting + "%"),
        FunctionDefinition.Timer<Evaluation.CanaryCheck>(CheckCanaries, "%" + CanaryCheckScheduleSetting + "%"),
        FunctionDefinition.Timer<Feedback.BudgetTracker>(CheckBudgets, "%" + BudgetCheckScheduleSetting + "%"),
        FunctionDefinition.Timer<Compliance.RetentionRunner>(Retention, "%" + RetentionScheduleSetting + "%"),
        FunctionDefinition.Http<HealthEndpoint>(Health, "health", FunctionAuthLevel.Anonymous, "GET"),
        FunctionDefinition.Http<StatusEndpoint>(Status, "status", FunctionAuthLevel.Function, "GET"),
        FunctionDefinition.Http<LineageEndpoint>(Lineage, "lineage/{*id}", FunctionAuthLevel.Function, "GET"),
        FunctionDefinition.Http<RunsEndpoint>(ListRuns, "runs", FunctionAuthLevel.Function, "GET"),
        FunctionDefinition.Http<RunEndpoint>(GetRun, "runs/{id}", FunctionAuthLevel.Function, "GET"),
        FunctionDefinition.Http<SearchEndpoint>(Search, "search", FunctionAuthLevel.Function, "GET"),
        FunctionDefinition.Http<LabelingEndpoint>(Labeling, "labeling/{project}", FunctionAuthLevel.Function, "GET"),
        FunctionDefinition.Http<TracesEndpoint>(PostTraces, "traces", FunctionAuthLevel.Function, "POST"),
        FunctionDefinition.Http<ScoresEndpoint>(PostScores, "scores", FunctionAuthLevel.Function, "POST"),
        FunctionDefinition.Http<Feedback.Otlp.OtlpTracesEndpoint>(OtlpTraces, "v1/traces", FunctionAuthLevel.Function, "POST"),
        FunctionDefinition.Http<Registry.PromptResolveEndpoint>(ResolvePrompt, "prompts/{name}/resolve", FunctionAuthLevel.Function, "GET"),
        FunctionDefinition.Http<Guardrails.GuardEndpoint>(Guard, "guard", FunctionAuthLevel.Function, "POST"),
        FunctionDefinition.Http<WebConsole.ConsolePage>(Console, "console/{*page}", FunctionAuthLevel.Anonymous, "GET"),
        FunctionDefinition.Http<WebConsole.ConsoleApi>(ConsoleApi, "console-api/{*view}", FunctionAuthLevel.Anonymous, "GET", "POST"),
    ];
}
