using System.Globalization;
using System.Text.Json;
using LlmOps.Embeddings;
using LlmOps.Errors;
using LlmOps.Tracking;

namespace LlmOps.Evaluation;

/// <summary>
/// Runs a labeled query set against an index version and logs the result as an experiment run: params (index,
/// provider, model, dimensions, k, relevance), metrics recall_at_k, mrr and ndcg_at_k, the index as an evaluation input
/// (a lineage edge index -> run), and the per-query rankings as an artifact. Evaluation queries are not written to the
/// search log, so they never count as production traffic.
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

    /// <summary>
    /// Runs <paramref name="queries"/> on an index version (default: the newest of <paramref name="feature"/>) and logs
    /// the run: params, recall_at_{k}, mrr and ndcg_at_{k}, the index as its evaluation input and the per-query rankings.
    /// </summary>
    public async Task<RetrievalEvaluation> EvaluateAsync(
        IReadOnlyList<LabeledQuery> queries, string? indexId = null, int k = 5, string experiment = DefaultExperiment, string? feature = null,
        RelevanceUnit relevance = RelevanceUnit.Auto, string? store = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var index = (await search.LoadAsync(indexId, feature, cancellationToken)).Manifest;
        var scores = await ScoreAsync(queries, index.Id, k, relevance, store, cancellationToken);
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
                ["relevance"] = scores.Unit.ToString().ToLowerInvariant(),
                ["store"] = scores.Store,
            },
            Tags = new Dictionary<string, string> { ["feature"] = index.Feature, ["kind"] = "retrieval-eval" },
            Inputs = [new RunInput(index.Id, RunInput.Evaluation)],
        }, cancellationToken);
        try
        {
            var evaluation = new RetrievalEvaluation(run.Id, index.Id, k, queries.Count, scores.RecallAtK, scores.Mrr, scores.NdcgAtK, scores.Store);
            var now = tracker.Clock.GetUtcNow();
            await tracker.LogMetricsAsync(run.Id,
            [
                new MetricPoint($"recall_at_{k}", evaluation.RecallAtK, 0, now),
                new MetricPoint("mrr", evaluation.Mrr, 0, now),
                new MetricPoint($"ndcg_at_{k}", evaluation.NdcgAtK, 0, now),
            ], cancellationToken);
            await tracker.LogArtifactAsync(run.Id, "retrieval/queries.json", BinaryData.FromObjectAsJson(scores.Queries, JsonSerializerOptions.Web), cancellationToken);
            await tracker.EndRunAsync(run.Id, RunStatus.Finished, cancellationToken);
            return evaluation;
        }
        catch
        {
            await tracker.EndRunAsync(run.Id, RunStatus.Failed, CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// Each query's recall@k, reciprocal rank and nDCG@k on index version <paramref name="indexId"/>, not logged (the
    /// per-query values are what a paired bootstrap compares). The top k chunks are the context a prompt would get; with
    /// record relevance they count as the distinct records they come from, in rank order. <see cref="RelevanceUnit.Auto"/>
    /// reads the relevant ids as chunk ids when any of them is a chunk of the index, else as record ids.
    /// </summary>
    public Task<RetrievalScores> ScoreAsync(IReadOnlyList<LabeledQuery> queries, string indexId, int k, RelevanceUnit relevance = RelevanceUnit.Auto, CancellationToken cancellationToken = default) =>
        ScoreAsync(queries, indexId, k, relevance, null, cancellationToken);

    /// <summary>As <see cref="ScoreAsync(IReadOnlyList{LabeledQuery}, string, int, RelevanceUnit, CancellationToken)"/>, on the vector store named (<c>exact</c> or <c>azure-ai-search</c>; null: the one that answers for the index).</summary>
    public async Task<RetrievalScores> ScoreAsync(IReadOnlyList<LabeledQuery> queries, string indexId, int k, RelevanceUnit relevance, string? store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentException.ThrowIfNullOrWhiteSpace(indexId);
        if (queries.Count == 0)
        {
            throw LlmOpsException.Invalid("The query set has no queries.");
        }

        var index = await search.LoadAsync(indexId, null, cancellationToken);
        if (relevance == RelevanceUnit.Auto)
        {
            var chunkIds = index.Chunks.Select(c => c.ChunkId).ToHashSet(StringComparer.Ordinal);
            relevance = queries.Any(q => q.Relevant.Any(chunkIds.Contains)) ? RelevanceUnit.Chunk : RelevanceUnit.Record;
        }

        var answering = await search.StoreForAsync(index.Manifest, store, cancellationToken);
        var hits = await search.SearchUnloggedAsync(index, [.. queries.Select(q => q.Query)], k, answering, cancellationToken);
        var scores = new List<QueryScore>(queries.Count);
        for (var i = 0; i < queries.Count; i++)
        {
            List<string> ranked = relevance == RelevanceUnit.Chunk
                ? [.. hits[i].Select(h => h.Chunk.ChunkId)]
                : [.. hits[i].Select(h => h.Chunk.RecordId).Distinct(StringComparer.Ordinal)];
            var relevant = queries[i].Relevant.ToHashSet(StringComparer.Ordinal);
            scores.Add(new QueryScore(
                queries[i].Query, queries[i].Relevant, ranked,
                RetrievalMetrics.RecallAtK(ranked, relevant, k), RetrievalMetrics.ReciprocalRank(ranked, relevant, k), RetrievalMetrics.NdcgAtK(ranked, relevant, k)));
        }

        return new RetrievalScores(index.Manifest.Id, k, relevance, scores, answering);
    }
}
