using System.Globalization;
using System.Text.Json;
using LlmOps.Embeddings;
using LlmOps.Errors;
using LlmOps.Tracking;

namespace LlmOps.Evaluation;

/// <summary>
/// Runs a labeled query set against an index version and logs the result as an experiment run: params (index,
/// provider, model, dimensions, k), metrics recall_at_k, mrr and ndcg_at_k, the index as an evaluation input (a lineage
/// edge index -> run), and the per-query rankings as an artifact.
/// </summary>
public sealed class RetrievalEvaluator(SemanticSearch search, ExperimentTracker tracker)
{
    public const string DefaultExperiment = "retrieval-eval";

    /// <summary>Reads a JSON Lines query set: <c>{"query": "...", "relevant": ["tickets:T-1#0000", ...]}</c> per line.</summary>
    public static IReadOnlyList<LabeledQuery> ParseQueries(string jsonl)
    {
        ArgumentNullException.ThrowIfNull(jsonl);
        var queries = new List<LabeledQuery>();
        var line = 0;
        foreach (var text in jsonl.Split('\n'))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            LabeledQuery? query;
            try
            {
                query = JsonSerializer.Deserialize<LabeledQuery>(text, JsonSerializerOptions.Web);
            }
            catch (JsonException ex)
            {
                throw LlmOpsException.Invalid($"Query set line {line} is not JSON: {ex.Message}", ex);
            }

            if (query is null || string.IsNullOrWhiteSpace(query.Query) || query.Relevant is not { Count: > 0 })
            {
                throw LlmOpsException.Invalid($"Query set line {line} needs \"query\" and a non-empty \"relevant\" list of chunk ids.");
            }

            queries.Add(query);
        }

        return queries.Count > 0 ? queries : throw LlmOpsException.Invalid("The query set has no queries.");
    }

    public async Task<RetrievalEvaluation> EvaluateAsync(IReadOnlyList<LabeledQuery> queries, string? indexId = null, int k = 5, string experiment = DefaultExperiment, string? feature = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var index = (await search.LoadAsync(indexId, feature, cancellationToken)).Manifest;
        var run = await tracker.StartRunAsync(experiment, new RunStart
        {
            Name = $"{index.Model} k={k}",
            Params = new Dictionary<string, string>
            {
                ["index"] = index.Id,
                ["provider"] = index.Provider,
                ["model"] = index.Model,
                ["dimensions"] = index.Dimensions.ToString(CultureInfo.InvariantCulture),
                ["k"] = k.ToString(CultureInfo.InvariantCulture),
                ["queries"] = queries.Count.ToString(CultureInfo.InvariantCulture),
            },
            Tags = new Dictionary<string, string> { ["feature"] = index.Feature, ["kind"] = "retrieval-eval" },
            Inputs = [new RunInput(index.Id, RunInput.Evaluation)],
        }, cancellationToken);
        try
        {
            var rows = new List<object>();
            double recall = 0, mrr = 0, ndcg = 0;
            foreach (var query in queries)
            {
                var result = await search.SearchAsync(query.Query, index.Id, k, cancellationToken: cancellationToken);
                var ranked = result.Hits.Select(h => h.Chunk.ChunkId).ToList();
                var relevant = query.Relevant.ToHashSet(StringComparer.Ordinal);
                var (r, rr, n) = (RetrievalMetrics.RecallAtK(ranked, relevant, k), RetrievalMetrics.ReciprocalRank(ranked, relevant, k), RetrievalMetrics.NdcgAtK(ranked, relevant, k));
                recall += r;
                mrr += rr;
                ndcg += n;
                rows.Add(new { query.Query, query.Relevant, Ranked = ranked, Recall = r, ReciprocalRank = rr, Ndcg = n });
            }

            var evaluation = new RetrievalEvaluation(run.Id, index.Id, k, queries.Count, recall / queries.Count, mrr / queries.Count, ndcg / queries.Count);
            var now = DateTimeOffset.UtcNow;
            await tracker.LogMetricsAsync(run.Id,
            [
                new MetricPoint($"recall_at_{k}", evaluation.RecallAtK, 0, now),
                new MetricPoint("mrr", evaluation.Mrr, 0, now),
                new MetricPoint($"ndcg_at_{k}", evaluation.NdcgAtK, 0, now),
            ], cancellationToken);
            await tracker.LogArtifactAsync(run.Id, "retrieval/queries.json", BinaryData.FromObjectAsJson(rows, JsonSerializerOptions.Web), cancellationToken);
            await tracker.EndRunAsync(run.Id, RunStatus.Finished, cancellationToken);
            return evaluation;
        }
        catch
        {
            await tracker.EndRunAsync(run.Id, RunStatus.Failed, CancellationToken.None);
            throw;
        }
    }
}
