using LlmOps.Governance;
using System.Text.Json;
using LlmOps.Lifecycle;
using LlmOps.Telemetry;

namespace LlmOps.Feedback;

/// <summary>
/// Ingests traces and scores, the same way for every path (HTTP, OpenTelemetry, bulk files): each item is validated
/// (<see cref="FeedbackValidator"/>) and ends accepted, duplicate or rejected with its reason; the good ones are
/// written durably (the analytics Parquet part first, then the lookup rows) before this returns, so an acknowledged
/// item survives a crash right after. An id seen before is a duplicate and stored once.
/// </summary>
public sealed class FeedbackIngestor(LifecycleCatalog lifecycles, FeedbackStore store, FeedbackPartitions partitions, BudgetTracker budgets, ChangeControl governance, SubjectHasher subjects, TimeProvider clock)
{
    public const int MaxItems = 1000;

    /// <summary>Traces from JSON objects.</summary>
    public async Task<IReadOnlyList<FeedbackItemResult>> IngestTracesAsync(IReadOnlyList<JsonElement> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var now = clock.GetUtcNow();
        var key = await subjects.KeyAsync(cancellationToken);
        var drafts = items.Select(item => Attempt(() => FeedbackValidator.ReadTrace(item, now, key))).ToList();
        return await IngestTracesAsync(drafts, item => IdOf(items[item]), cancellationToken);
    }

    /// <summary>Traces already read (from spans, say), each still to be validated, or the reason it could not be read.</summary>
    public async Task<IReadOnlyList<FeedbackItemResult>> IngestTracesAsync(IReadOnlyList<(Trace? Draft, string? Problem)> drafts, Func<int, string?> idOf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        ArgumentNullException.ThrowIfNull(idOf);
        using var span = LlmOpsTelemetry.Feedback.StartActivity("ingest traces");
        span?.SetTag("llmops.feedback.items", drafts.Count);
        var features = new Dictionary<string, LifecycleDefinition?>(StringComparer.Ordinal);
        foreach (var feature in drafts.Where(d => d.Draft is not null).Select(d => d.Draft!.Feature).Distinct(StringComparer.Ordinal))
        {
            await governance.DemandAsync(Role.Contributor, feature, $"post traces of {feature}", cancellationToken);
            features[feature] = await lifecycles.GetAsync(feature, cancellationToken);
        }

        var results = new FeedbackItemResult[drafts.Count];
        var valid = new List<(int Index, Trace Trace)>();
        for (var i = 0; i < drafts.Count; i++)
        {
            var (draft, problem) = drafts[i];
            var (trace, reason) = draft is null ? (null, problem) : Attempt(() => FeedbackValidator.Complete(draft, features[draft.Feature]));
            if (trace is null)
            {
                results[i] = new FeedbackItemResult(i, draft?.Id ?? idOf(i), FeedbackItemResult.Rejected, reason);
            }
            else
            {
                valid.Add((i, trace));
            }
        }

        var first = FirstOfEach(results, valid, t => t.Id, t => t.Id);
        var traces = first.Select(v => v.Item).ToList();
        await partitions.AppendTracesAsync(traces, cancellationToken);
        var existing = await store.AddTracesAsync(traces, cancellationToken);
        foreach (var (index, trace) in first)
        {
            results[index] = new FeedbackItemResult(index, trace.Id, existing.Contains(trace.Id) ? FeedbackItemResult.Duplicate : FeedbackItemResult.Accepted);
        }

        // The batch's spend counts towards the day's budgets (a duplicate was counted when it was new).
        await budgets.AddAsync([.. traces.Where(t => !existing.Contains(t.Id))], features, cancellationToken);

        return results;
    }

    /// <summary>Scores from JSON objects.</summary>
    public async Task<IReadOnlyList<FeedbackItemResult>> IngestScoresAsync(IReadOnlyList<JsonElement> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        await governance.DemandAsync(Role.Contributor, null, "post scores", cancellationToken);
        var now = clock.GetUtcNow();
        var results = new FeedbackItemResult[items.Count];
        var valid = new List<(int Index, Score Score)>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var (score, reason) = Attempt(() => FeedbackValidator.Complete(FeedbackValidator.ReadScore(item, now)));
            if (score is null)
            {
                results[i] = new FeedbackItemResult(i, IdOf(items[i]), FeedbackItemResult.Rejected, reason);
            }
            else
            {
                valid.Add((i, score));
            }
        }

        var first = FirstOfEach(results, valid, s => s.TraceId + "\n" + s.Id, s => s.Id);
        var scores = first.Select(v => v.Item).ToList();
        await partitions.AppendScoresAsync(scores, cancellationToken);
        var existing = await store.AddScoresAsync(scores, cancellationToken);
        foreach (var (index, score) in first)
        {
            results[index] = new FeedbackItemResult(index, score.Id, existing.Contains(FeedbackStore.ScoreRowKey(score.TraceId, score.Id)) ? FeedbackItemResult.Duplicate : FeedbackItemResult.Accepted);
        }

        return results;
    }

    /// <summary>The items of a JSON body: one object or an array of up to <see cref="MaxItems"/>.</summary>
    public static IReadOnlyList<JsonElement> Items(JsonElement body) => body.ValueKind switch
    {
        JsonValueKind.Object => [body.Clone()],
        JsonValueKind.Array when body.GetArrayLength() <= MaxItems => [.. body.EnumerateArray().Select(e => e.Clone())],
        JsonValueKind.Array => throw Errors.LlmOpsException.Invalid($"At most {MaxItems} items per request; this one has {body.GetArrayLength()}. Split it."),
        _ => throw Errors.LlmOpsException.Invalid("The body must be a JSON object or an array of objects."),
    };

    /// <summary>The first item of each key; a later one in the same batch is a duplicate at once.</summary>
    private static List<(int Index, T Item)> FirstOfEach<T>(FeedbackItemResult[] results, List<(int Index, T Item)> valid, Func<T, string> key, Func<T, string> id)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var first = new List<(int Index, T Item)>();
        foreach (var (index, item) in valid)
        {
            if (seen.Add(key(item)))
            {
                first.Add((index, item));
            }
            else
            {
                results[index] = new FeedbackItemResult(index, id(item), FeedbackItemResult.Duplicate);
            }
        }

        return first;
    }

    private static string? IdOf(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    private static (T? Value, string? Problem) Attempt<T>(Func<T> read)
        where T : class
    {
        try
        {
            return (read(), null);
        }
        catch (FormatException ex)
        {
            return (null, ex.Message);
        }
    }
}
