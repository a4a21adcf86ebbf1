using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmOps.Datasets;
using LlmOps.Embeddings;
using LlmOps.Feedback;
using LlmOps.Ingestion.Processing;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Storage;
using LlmOps.Tracking;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;

namespace LlmOps.Drift;

/// <summary>
/// The consumer of the <c>actions</c> queue, closing the loop from a drift alert: <c>reindex</c> builds the embedding
/// index of the current dataset version with the lifecycle's embedding settings; <c>prompt_review</c> publishes the
/// worst-rated traces of the window (thumbs down, corrected, escalated, failed or flagged; at most
/// <see cref="MaxReviewItems"/>) as a review dataset version <c>dataset:review-{feature}@...</c>, which a labeling
/// project can draw tasks from; <c>retrain</c> records a retraining request, a SCHEDULED run in the experiment named after the feature
/// with the evidence as params and the drift report as artifact. Each outcome is in lineage: drift report -> action
/// (<c>action:</c>, one per message, so a redelivered message produces nothing twice) -> what it produced. A malformed
/// message or an unknown action is dead-lettered at once; a failure is retried, then ends on the poison queue whole.
/// </summary>
public sealed class DriftActionHandler(
    StorageAccount storage,
    LifecycleCatalog lifecycles,
    EmbeddingRefresher embeddings,
    FeedbackAnalytics feedback,
    ExperimentTracker tracker,
    LineageStore lineage,
    TimeProvider clock,
    ILogger<DriftActionHandler> logger) : IQueueTriggerHandler
{
    public const int MaxReviewItems = 100;
    public const string Reindex = "reindex";
    public const string PromptReview = "prompt_review";
    public const string Retrain = "retrain";

    public static string ReviewSource(string feature) => "review-" + feature;

    public async Task<HandlerOutcome> HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        DriftAction? action;
        try
        {
            action = JsonSerializer.Deserialize<DriftAction>(message.Body, JsonSerializerOptions.Web);
        }
        catch (JsonException ex)
        {
            return HandlerOutcome.DeadLetter($"Message {message.MessageId} on '{message.Queue}' is not a drift action: {ex.Message}");
        }

        if (action is null || string.IsNullOrEmpty(action.Feature) || string.IsNullOrEmpty(action.Action))
        {
            return HandlerOutcome.DeadLetter($"Message {message.MessageId} on '{message.Queue}' lacks the feature or the action.");
        }

        if (action.Action is not (Reindex or PromptReview or Retrain))
        {
            return HandlerOutcome.DeadLetter($"Unknown action '{action.Action}' for {action.Feature}: expected {Reindex}, {PromptReview} or {Retrain}.");
        }

        var lifecycle = await lifecycles.GetAsync(action.Feature, cancellationToken);
        if (lifecycle is null)
        {
            return HandlerOutcome.DeadLetter($"Feature '{action.Feature}' has no published lifecycle; the {action.Action} action cannot run.");
        }

        // One node per message's evidence: a redelivery finds what the first delivery produced and stops there.
        var node = ActionNode(action);
        var produced = await lineage.QueryAsync(node, LineageDirection.Downstream, 1, cancellationToken);
        if (produced.Edges.Any(e => e.From == node))
        {
            logger.LogInformation("{Action} for {Feature} ({Node}) was done before; nothing to do again", action.Action, action.Feature, node);
            return HandlerOutcome.Done;
        }

        await lineage.RecordAsync(
            new LineageEvent($"llmops.actions/{action.Feature}", LineageIds.StableRunId(node), LineageRelation.DerivedFrom,
                [new LineageDataset(action.ReportId ?? $"drift:{action.Feature}/{action.CheckedAt.UtcTicks}")],
                [new LineageDataset(node, new Dictionary<string, string>
                {
                    ["action"] = action.Action,
                    ["signal"] = action.Signal,
                    ["value"] = action.Value.ToString("G6", CultureInfo.InvariantCulture),
                    ["threshold"] = action.Threshold.ToString("G6", CultureInfo.InvariantCulture),
                    ["report"] = action.Report,
                })]),
            cancellationToken);
        var result = action.Action switch
        {
            Reindex => await ReindexAsync(action, cancellationToken),
            PromptReview => await ReviewAsync(action, lifecycle, cancellationToken),
            _ => await RetrainAsync(action, cancellationToken),
        };
        if (result is null)
        {
            logger.LogInformation("{Action} for {Feature}: nothing to produce", action.Action, action.Feature);
            return HandlerOutcome.Done;
        }

        await lineage.RecordAsync(
            new LineageEvent($"llmops.actions/{action.Feature}", LineageIds.StableRunId(node + "|done"), LineageRelation.ProducedBy,
                [new LineageDataset(node)], [new LineageDataset(result)]),
            cancellationToken);
        logger.LogInformation("{Action} for {Feature} (alert on {Signal}) produced {Result}", action.Action, action.Feature, action.Signal, result);
        return HandlerOutcome.Done;
    }

    /// <summary>The lineage node of an action message: <c>action:{feature}/{hash of its evidence}</c>.</summary>
    public static string ActionNode(DriftAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var evidence = $"{action.Feature}|{action.Action}|{action.Signal}|{action.Report}|{action.CheckedAt.UtcTicks}";
        return $"action:{action.Feature}/{action.Action}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(evidence)))[..12]}";
    }

    private async Task<string?> ReindexAsync(DriftAction action, CancellationToken cancellationToken) =>
        (await embeddings.RefreshAsync(action.Current, cancellationToken)).Index.Id;

    private async Task<string?> ReviewAsync(DriftAction action, LifecycleDefinition lifecycle, CancellationToken cancellationToken)
    {
        var window = lifecycle.Drift.CurrentWindow ?? DriftChecker.DefaultQualityWindow;
        var from = action.CheckedAt - window;
        using var query = await feedback.OpenAsync(action.Feature, from, cancellationToken);
        var rows = query.Rows($"""
            WITH s AS ({FeedbackAnalytics.PerTraceScores})
            SELECT t.Id AS id, t.Input AS input, t.Output AS output, t.PromptVersion AS prompt, s.thumbs AS thumbs,
                   coalesce(s.corrected, 0) AS corrected, coalesce(s.escalated, 0) AS escalated, t.Status AS status, t.SafetyFlags AS flags
            FROM answers t LEFT JOIN s ON s.TraceId = t.Id
            WHERE t.Time >= {FeedbackQuery.Timestamp(from)}
              AND t.Time <= {FeedbackQuery.Timestamp(action.CheckedAt)}
              AND (s.thumbs < 1 OR s.corrected = 1 OR s.escalated = 1 OR t.Status = 'error' OR coalesce(t.SafetyFlags, '') <> '')
            ORDER BY coalesce(s.thumbs, 1), coalesce(s.corrected, 0) DESC, coalesce(s.escalated, 0) DESC, t.Id
            LIMIT {MaxReviewItems}
            """);
        if (rows.Count == 0)
        {
            return null;
        }

        var source = ReviewSource(action.Feature);
        var records = new List<DatasetRecord>(rows.Count);
        long line = 0;
        foreach (var row in rows.OrderBy(r => (string)r["id"]!, StringComparer.Ordinal))
        {
            var input = row["input"] as string ?? "";
            var output = row["output"] as string ?? "";
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["prompt_version"] = row["prompt"] as string,
                ["input"] = input,
                ["output"] = output,
                ["thumbs_up"] = row["thumbs"] is null ? null : Convert.ToDouble(row["thumbs"], CultureInfo.InvariantCulture),
                ["corrected"] = Convert.ToInt32(row["corrected"], CultureInfo.InvariantCulture) == 1,
                ["escalated"] = Convert.ToInt32(row["escalated"], CultureInfo.InvariantCulture) == 1,
                ["status"] = row["status"] as string,
                ["safety_flags"] = row["flags"] as string,
            };
            var text = $"Question: {input}\nAnswer: {output}";
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(fields) + "\n" + text)))[..32];
            records.Add(new DatasetRecord((string)row["id"]!, source, ++line, fields, text, hash, "", text.Length, 0, []));
        }

        List<FieldDefinition> schema =
        [
            new("prompt_version", FieldType.Text, false, null), new("input", FieldType.Text, false, null), new("output", FieldType.Text, false, null),
            new("thumbs_up", FieldType.Number, false, null), new("corrected", FieldType.Boolean, true, null), new("escalated", FieldType.Boolean, true, null),
            new("status", FieldType.Text, false, null), new("safety_flags", FieldType.Text, false, null),
        ];
        const string preprocessing = "review:v1";
        var manifest = (await new DatasetPublisher(storage, clock).PublishAsync(records, new VersionDraft(action.Feature, source, preprocessing, schema, action.Report, ""), cancellationToken)).Manifest;
        return manifest.Id;
    }

    private async Task<string?> RetrainAsync(DriftAction action, CancellationToken cancellationToken)
    {
        var run = await tracker.StartRunAsync(action.Feature, new RunStart
        {
            Name = $"retrain {action.Feature}: {action.Signal} alert",
            Status = RunStatus.Scheduled,
            Params = new Dictionary<string, string>
            {
                ["reason"] = "drift alert",
                ["signal"] = action.Signal,
                ["test"] = action.Test,
                ["value"] = action.Value.ToString("G6", CultureInfo.InvariantCulture),
                ["threshold"] = action.Threshold.ToString("G6", CultureInfo.InvariantCulture),
                ["reference"] = action.Reference,
                ["current"] = action.Current,
            },
            Tags = new Dictionary<string, string> { ["feature"] = action.Feature, ["kind"] = "retraining-request", ["report"] = action.Report },
            Inputs = [new RunInput(action.Current, RunInput.Training)],
        }, cancellationToken);
        var report = action.Report.StartsWith(StorageNames.ReportsContainer + "/", StringComparison.Ordinal) ? action.Report[(StorageNames.ReportsContainer.Length + 1)..] : null;
        if (report is not null)
        {
            var json = storage.Container(StorageNames.ReportsContainer).GetBlobClient(Path.ChangeExtension(report, ".json"));
            if (await json.ExistsAsync(cancellationToken))
            {
                await tracker.LogArtifactAsync(run.Id, "drift/report.json", (await json.DownloadContentAsync(cancellationToken)).Value.Content, cancellationToken);
            }
        }

        return run.Id;
    }
}
