using System.Numerics.Tensors;
using LlmOps.Embeddings;
using LlmOps.Evaluation;
using LlmOps.Samples;
using LlmOps.Tests.Infrastructure;
using Microsoft.Extensions.AI;
using Xunit.Abstractions;

namespace LlmOps.Tests.Samples;

public sealed class ApiDocsCorpusTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyList<ApiDocMember>> Corpus = new(() => ApiDocsCorpus.Load(ApiDocsCorpus.FindReferenceDocs()));

    [Fact]
    public void Corpus_FromTheSdksReferencePack_OneRecordPerDocumentedMember_WithItsParts()
    {
        var corpus = Corpus.Value;

        Assert.True(corpus.Count > 20_000, $"{corpus.Count} members");
        Assert.Equal(corpus.Count, corpus.Select(m => m.Id).Distinct().Count());
        var contains = Assert.Single(corpus, m => m.Id == "M:System.String.Contains(System.String)");
        Assert.Equal(("System.String", "Contains", "method"), (contains.Type, contains.Member, contains.Kind));
        Assert.Equal("System.Runtime", contains.Assembly);
        Assert.Contains("occurs within this string", contains.Summary, StringComparison.Ordinal);
        Assert.StartsWith("value: The string to seek.", contains.Parameters, StringComparison.Ordinal);
        Assert.Contains("true", contains.Returns, StringComparison.Ordinal);
        Assert.StartsWith("System.String.Contains (method): ", contains.Text, StringComparison.Ordinal);
        // <see cref> is the short name it points at: no "T:System..." left in any text.
        Assert.DoesNotContain(corpus.Take(5000), m => m.Summary.Contains("T:System.", StringComparison.Ordinal));
        Assert.All(new[] { "type", "method", "property", "field" }, kind => Assert.Contains(corpus, m => m.Kind == kind));
    }

    [Fact]
    public void QuerySet_IsSeeded_HasNoNameWords_AndHoldsOutPartOfTheQueries()
    {
        var set = ApiDocsQuerySet.Create(Corpus.Value, types: 40, membersPerType: 5, distractors: 100, heldOut: 0.5, seed: 7);
        var again = ApiDocsQuerySet.Create(Corpus.Value, types: 40, membersPerType: 5, distractors: 100, heldOut: 0.5, seed: 7);
        var other = ApiDocsQuerySet.Create(Corpus.Value, types: 40, membersPerType: 5, distractors: 100, heldOut: 0.5, seed: 8);

        Assert.Equal(set.Records.Select(r => r.Id), again.Records.Select(r => r.Id));
        Assert.Equal(set.HeldOut.Select(q => q.Query), again.HeldOut.Select(q => q.Query));
        Assert.NotEqual(set.HeldOut.Select(q => q.Query), other.HeldOut.Select(q => q.Query));
        Assert.Equal((20, 20), (set.Development.Count, set.HeldOut.Count));
        var ids = set.Records.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        Assert.All(set.Development.Concat(set.HeldOut), q => Assert.All(q.Relevant, id => Assert.Contains(id, ids)));
        Assert.DoesNotContain(set.Records, r => r.Kind == "type");
        var httpClient = Corpus.Value.Single(m => m.Id == "T:System.Net.Http.HttpClient");
        var query = ApiDocsQuerySet.Query(httpClient);
        Assert.DoesNotContain("HTTP", query, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("requests", query, StringComparison.Ordinal);
        Assert.Equal(20, RetrievalEvaluator.ParseQueries(ApiDocsQuerySet.QueriesJsonl(set.HeldOut)).Count);
        Assert.Equal(set.Records.Count, set.RecordsJsonl().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task HeldOutQueries_MiniLmBeatsLexical_TheDifferencesIntervalExcludesZero()
    {
        var set = ApiDocsQuerySet.Create(Corpus.Value, types: 160, membersPerType: 6, distractors: 300, heldOut: 0.5, seed: 2026);
        const int k = 10;

        var minilm = await RankAsync(new MiniLmEmbeddingGenerator(), set, k);
        var lexical = await RankAsync(new LocalEmbeddingGenerator(MiniLmEmbeddingGenerator.Dimensions), set, k);

        var mrr = PairedComparison.Compare("mrr", minilm.Select(r => r.ReciprocalRank).ToList(), lexical.Select(r => r.ReciprocalRank).ToList(), passFail: false);
        var recall = PairedComparison.Compare($"recall_at_{k}", minilm.Select(r => r.Recall).ToList(), lexical.Select(r => r.Recall).ToList(), passFail: false);
        output.WriteLine($"{set.Records.Count} records, {set.HeldOut.Count} held-out queries");
        foreach (var c in new[] { mrr, recall })
        {
            output.WriteLine($"{c.Metric}: MiniLM {c.Candidate:F3}, lexical {c.Baseline:F3}, difference {c.Difference:F3}, 95% [{c.Low:F3}, {c.High:F3}]");
        }

        Assert.True(mrr.Low > 0, $"MRR@{k}: MiniLM {mrr.Candidate:F3}, lexical {mrr.Baseline:F3}, difference {mrr.Difference:F3} [{mrr.Low:F3}, {mrr.High:F3}]");
        Assert.True(recall.Low > 0, $"recall@{k}: MiniLM {recall.Candidate:F3}, lexical {recall.Baseline:F3}, difference {recall.Difference:F3} [{recall.Low:F3}, {recall.High:F3}]");
    }

    [Fact]
    public async Task Cli_SamplesApiDocs_WritesTheSample_ThatIngestsUnderTheShippedLifecycle_AndScoresByRecord()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        string[] common = ["--connection-string", azurite.ConnectionString, "--storage-prefix", prefix];
        var folder = Directory.CreateTempSubdirectory("llmops-apidocs-");
        try
        {
            var (written, writeText) = await CliRun.RunAsync("samples", "api-docs", "--out", folder.FullName, "--types", "30", "--members-per-type", "3", "--distractors", "60", "--seed", "11");
            Assert.True(written == 0, writeText);
            Assert.Contains("(150 records)", writeText, StringComparison.Ordinal); // 30 x 3 + 60
            Assert.Contains("queries.dev.jsonl (15 queries)", writeText, StringComparison.Ordinal);
            var expected = ApiDocsQuerySet.Create(Corpus.Value, 30, 3, 60, 0.5, 11);
            Assert.Equal(expected.RecordsJsonl(), await File.ReadAllTextAsync(Path.Combine(folder.FullName, ApiDocsQuerySet.RecordsFile)));

            Assert.Equal(0, (await CliRun.RunAsync(["lifecycle", "publish", RepositoryRoot.Combine("samples", "api-docs.lifecycle.yaml"), .. common])).Exit);
            var (ingested, ingestText) = await CliRun.RunAsync(["ingest", Path.Combine(folder.FullName, ApiDocsQuerySet.RecordsFile), "--source", "members", .. common]);
            Assert.True(ingested == 0, ingestText);
            using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
            var members = (await client.Datasets.LatestAsync("members"))!;
            Assert.Equal((150L, 0L), (members.Records, members.Quality.Quarantined));
            Assert.Equal(0, (await CliRun.RunAsync(["embeddings", "refresh", members.Id, .. common])).Exit);

            var (scored, scoreText) = await CliRun.RunAsync(["eval", "retrieval", Path.Combine(folder.FullName, ApiDocsQuerySet.HeldOutFile), "--feature", "api-docs", "-k", "10", .. common]);
            Assert.True(scored == 0, scoreText);
            Assert.Contains("15 queries: recall@10", scoreText, StringComparison.Ordinal);
            var run = (await client.Tracker.GetRunAsync(scoreText.Split("Logged as ")[1].Split(' ')[0]))!;
            Assert.Equal(("record", "all-minilm-l6-v2"), (run.Params["relevance"], run.Params["model"]));
            Assert.InRange(run.LatestMetrics["mrr"].Value, 0.2, 1); // read as chunk ids, the member ids would score 0
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Brute-force cosine ranking of every sample record for each held-out query: per-query recall@k and reciprocal rank.</summary>
    private static async Task<List<(double Recall, double ReciprocalRank)>> RankAsync(IEmbeddingGenerator<string, Embedding<float>> generator, ApiDocsQuerySet set, int k)
    {
        var records = await generator.GenerateAsync(set.Records.Select(r => r.Text));
        var queries = await generator.GenerateAsync(set.HeldOut.Select(q => q.Query));
        var results = new List<(double, double)>();
        for (var i = 0; i < set.HeldOut.Count; i++)
        {
            var query = queries[i].Vector.Span.ToArray();
            var ranked = records.Select((r, j) => (Score: TensorPrimitives.CosineSimilarity(r.Vector.Span, query), j))
                .OrderByDescending(x => x.Score).ThenBy(x => x.j).Take(k).Select(x => set.Records[x.j].Id).ToList();
            var relevant = set.HeldOut[i].Relevant.ToHashSet(StringComparer.Ordinal);
            results.Add((RetrievalMetrics.RecallAtK(ranked, relevant, k), RetrievalMetrics.ReciprocalRank(ranked, relevant, k)));
        }

        return results;
    }
}
