using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LlmOps.Datasets;
using LlmOps.Development;
using LlmOps.Embeddings;
using LlmOps.Errors;
using LlmOps.Evaluation;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.LocalHost;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tests.Ingestion;
using LlmOps.Tracking;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LlmOps.Tests.Embeddings;

public sealed class EmbeddingRefresherTests
{
    private static readonly string[] Channels = ["email", "chat", "phone"];

    private static string Tickets(int count) => string.Join('\n', Enumerable.Range(0, count).Select(i =>
        JsonSerializer.Serialize(new
        {
            id = $"T-{i}",
            channel = Channels[i % 3],
            body = $"Ticket {i}: customer {i * 13} reports problem number {i % 17} with feature {i % 5}.",
        }))) + "\n";

    private static (EmbeddingRefresher Refresher, EmbeddingIndexStore Indexes, LineageStore Lineage, DatasetStore Datasets, LifecycleCatalog Lifecycles) Services(IngestionFixture f, AzureOpenAIOptions? azure = null)
    {
        var lineage = new LineageStore(f.Storage, TimeProvider.System);
        var indexes = new EmbeddingIndexStore(f.Storage);
        var datasets = new DatasetStore(f.Storage);
        var lifecycles = new LifecycleCatalog(f.Storage, new LlmOps.Governance.ChangeControl(f.Storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(f.Storage, TimeProvider.System));
        var refresher = new EmbeddingRefresher(datasets, indexes, lifecycles, new EmbeddingGeneratorFactory(Options.Create(azure ?? new AzureOpenAIOptions())), lineage, TimeProvider.System, NullLogger<EmbeddingRefresher>.Instance);
        return (refresher, indexes, lineage, datasets, lifecycles);
    }

    private static SemanticSearch Search(IngestionFixture f, EmbeddingIndexStore indexes, LifecycleCatalog lifecycles) =>
        new(indexes, lifecycles, new EmbeddingGeneratorFactory(Options.Create(new AzureOpenAIOptions())), new SearchQueryLog(f.Storage), TimeProvider.System);

    [Fact]
    public async Task Refresh_RerunCostsNothing_OneNewRecordEmbedsOnlyItsChunk_ModelChangeBuildsNewVersion()
    {
        var f = await IngestionFixture.CreateAsync();
        var (refresher, indexes, lineage, _, lifecycles) = Services(f);
        using var _ = lifecycles;
        var v1 = (await f.DropAndIngestAsync("v1.jsonl", Encoding.UTF8.GetBytes(Tickets(100)))).Version!;
        var settings = EmbeddingSettings.Lexical with { MaxBatchInputs = 40 };

        var first = await refresher.RefreshAsync(v1, settings, CancellationToken.None);
        Assert.True(first.Created);
        Assert.Equal(v1.Chunks, first.Index.Vectors);
        Assert.Equal(first.Index.Vectors, first.Embedded);
        Assert.Equal(3, first.ProviderRequests);
        Assert.Equal(EmbeddingIndexManifest.IdFor(v1.Id, "lexical-ngram", 384), first.Index.Id);

        var again = await refresher.RefreshAsync(v1, settings, CancellationToken.None);
        Assert.False(again.Created);
        Assert.Equal((0L, 0L), (again.Embedded, again.ProviderRequests));

        // Ids may not change content across versions (the unique rule), so the 1% that changes is a new record.
        var v2 = (await f.DropAndIngestAsync("v2.jsonl", Encoding.UTF8.GetBytes(Tickets(101)))).Version!;
        var second = await refresher.RefreshAsync(v2, settings, CancellationToken.None);
        Assert.True(second.Created);
        Assert.Equal(1, second.Embedded);
        Assert.Equal(1, second.ProviderRequests);
        Assert.Equal(second.Index.Vectors - 1, second.Reused);

        var resized = await refresher.RefreshAsync(v2, settings with { Dimensions = 128 }, CancellationToken.None);
        Assert.True(resized.Created);
        Assert.NotEqual(second.Index.Id, resized.Index.Id);
        Assert.Equal(resized.Index.Vectors, resized.Embedded);

        var index = await indexes.LoadAsync(second.Index);
        Assert.All(index.Chunks, c => Assert.Equal("lexical-ngram", c.Model));
        var edge = Assert.Single((await lineage.QueryAsync(second.Index.Id, LineageDirection.Upstream, 1, CancellationToken.None)).Edges);
        Assert.Equal((v2.Id, LineageRelation.DerivedFrom), (edge.From, edge.Relation));
    }

    [Fact]
    public async Task Search_ExactTopK_WithFilters_AndTamperedShardIsRefused()
    {
        var f = await IngestionFixture.CreateAsync();
        var (refresher, indexes, _, _, lifecycles) = Services(f);
        using var _ = lifecycles;
        var version = (await f.DropAndIngestAsync("s.jsonl", Encoding.UTF8.GetBytes(Tickets(60)))).Version!;
        var built = await refresher.RefreshAsync(version.Id, CancellationToken.None);
        using var search = Search(f, indexes, lifecycles);

        var exact = await search.SearchAsync("Ticket 7: customer 91 reports problem number 7 with feature 2.", built.Index.Id, k: 3);
        Assert.Equal($"{f.Source}:T-7#0000", exact.Hits[0].Chunk.ChunkId);
        Assert.Equal(1f, exact.Hits[0].Score, 3);
        Assert.True(exact.Hits[0].Score >= exact.Hits[1].Score && exact.Hits[1].Score >= exact.Hits[2].Score);

        // Brute force over the loaded index agrees with the search (the default embedder: all-MiniLM-L6-v2).
        Assert.Equal(MiniLmEmbeddingGenerator.ModelName, built.Index.Model);
        var index = await search.LoadAsync(built.Index.Id, null, CancellationToken.None);
        using var embedder = new MiniLmEmbeddingGenerator();
        var query = (await embedder.GenerateAsync(["problem number 3 with feature 1"]))[0].Vector.ToArray();
        var expected = Enumerable.Range(0, index.Count)
            .Select(i => (Score: System.Numerics.Tensors.TensorPrimitives.Dot(query, index.Vectors.AsSpan(i * 384, 384)), index.Chunks[i].ChunkId))
            .OrderByDescending(h => h.Score).Take(5).Select(h => h.ChunkId);
        Assert.Equal(expected, (await search.SearchAsync("problem number 3 with feature 1", built.Index.Id, k: 5)).Hits.Select(h => h.Chunk.ChunkId));

        // Without an index id, the feature's newest index (not the newest in the shared account).
        var byFeature = await search.SearchAsync("problem number 3 with feature 1", indexId: null, k: 1, feature: built.Index.Feature);
        Assert.Equal(built.Index.Id, byFeature.IndexId);
        await ExpectError.ThrowsAsync(ErrorCode.NotFound, () => search.SearchAsync("x", indexId: null, feature: "no-such-feature-" + f.Source));

        var phoneOnly = await search.SearchAsync("customer reports problem", built.Index.Id, k: 50, new Dictionary<string, string> { ["channel"] = "phone" });
        Assert.Equal(20, phoneOnly.Candidates);
        Assert.Equal(20, phoneOnly.Hits.Count);
        Assert.All(phoneOnly.Hits, h => Assert.Equal("phone", h.Chunk.Fields["channel"]));

        var shard = indexes.Container.GetBlobClient(EmbeddingIndexManifest.FolderOf(built.Index.Id) + built.Index.Shards[0].Name);
        var bytes = (await shard.DownloadContentAsync()).Value.Content.ToArray();
        bytes[^1] ^= 0x55;
        await shard.UploadAsync(new BinaryData(bytes), overwrite: true);
        using var fresh = Search(f, indexes, lifecycles);
        var tampered = await Assert.ThrowsAsync<InvalidDataException>(() => fresh.SearchAsync("anything", built.Index.Id));
        Assert.Contains("SHA-256", tampered.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AzureProvider_OverTheWire_RerunMakesZeroRequests()
    {
        await using var server = await FakeAzureOpenAIServer.StartAsync();
        var f = await IngestionFixture.CreateAsync();
        var (refresher, _, _, _, lifecycles) = Services(f, new AzureOpenAIOptions { Endpoint = server.Endpoint, ApiKey = FakeAzureOpenAIServer.ApiKey });
        using var _ = lifecycles;
        var version = (await f.DropAndIngestAsync("a.jsonl", Encoding.UTF8.GetBytes(Tickets(30)))).Version!;
        var settings = new EmbeddingSettings(EmbeddingSettings.AzureOpenAI, "text-embedding-3-small", 256, "emb", 16, 300_000);

        var built = await refresher.RefreshAsync(version, settings, CancellationToken.None);
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(30, server.Requests.Sum(r => r.Inputs));
        Assert.All(server.Requests, r => Assert.Equal(256, r.Dimensions));
        Assert.Equal(("azure-openai", "text-embedding-3-small", 256), (built.Index.Provider, built.Index.Model, built.Index.Dimensions));

        var again = await refresher.RefreshAsync(version, settings, CancellationToken.None);
        Assert.False(again.Created);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task RetrievalEval_LogsARunWithMetrics_AndTheIndexAsEvaluationInput_OverHttpToo()
    {
        var f = await IngestionFixture.CreateAsync();
        var (refresher, indexes, lineage, _, lifecycles) = Services(f);
        using var _ = lifecycles;
        var version = (await f.DropAndIngestAsync("e.jsonl", Encoding.UTF8.GetBytes(Tickets(30)))).Version!;
        var built = await refresher.RefreshAsync(version.Id, CancellationToken.None);
        using var search = Search(f, indexes, lifecycles);
        var tracker = new ExperimentTracker(f.Storage, lineage, new LlmOps.Governance.ChangeControl(f.Storage, TimeProvider.System), TimeProvider.System);
        var queries = RetrievalEvaluator.ParseQueries($$"""
            {"query": "Ticket 4: customer 52 reports problem number 4 with feature 4.", "relevant": ["{{f.Source}}:T-4#0000"]}
            {"query": "nothing like any ticket at all zebra", "relevant": ["{{f.Source}}:T-9#0000"]}
            """);

        var evaluation = await new RetrievalEvaluator(search, tracker).EvaluateAsync(queries, built.Index.Id, k: 3, experiment: "eval-" + f.Source);
        var run = await tracker.GetRunAsync(evaluation.RunId);
        Assert.Equal(RunStatus.Finished, run!.Info.Status);
        Assert.Equal(evaluation.RecallAtK, run.LatestMetrics["recall_at_3"].Value);
        Assert.Equal(evaluation.Mrr, run.LatestMetrics["mrr"].Value);
        Assert.InRange(evaluation.RecallAtK, 0.5, 1.0);
        Assert.Contains("retrieval/queries.json", run.Artifacts);
        var edge = Assert.Single((await lineage.QueryAsync(evaluation.RunId, LineageDirection.Upstream, 1, CancellationToken.None)).Edges);
        Assert.Equal((built.Index.Id, LineageRelation.EvaluatedOn), (edge.From, edge.Relation));
        ExpectError.Throws(ErrorCode.Invalid, () => RetrievalEvaluator.ParseQueries("{\"query\": \"x\"}"));

        await using var host = await TestHosts.StartAsync(new FunctionCatalog(TriggerCatalog.All.Where(d => d.Name == TriggerCatalog.Search).ToList()));
        using var client = new HttpClient { BaseAddress = host.HttpAddress };
        var key = Uri.EscapeDataString((await host.GetKeysAsync()).FunctionKey);
        var found = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/search?q={Uri.EscapeDataString("problem number 4")}&index={Uri.EscapeDataString(built.Index.Id)}&k=2&filter=channel:chat&code={key}", UriKind.Relative));
        Assert.Equal(2, found.GetProperty("hits").GetArrayLength());
        Assert.All(found.GetProperty("hits").EnumerateArray(), h => Assert.Equal("chat", h.GetProperty("chunk").GetProperty("fields").GetProperty("channel").GetString()));
        using var missing = await client.GetAsync(new Uri($"/api/search?k=2&code={key}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        using var noIndex = await client.GetAsync(new Uri($"/api/search?q=x&index={Uri.EscapeDataString("index:none@000000000000/m-8")}&code={key}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, noIndex.StatusCode);
    }
    [Fact]
    public async Task RetrievalScores_RecordRelevance_CountsARecordOnceWhateverItsChunks_AndLeavesTheSearchLogAlone()
    {
        var f = await IngestionFixture.CreateAsync();
        var (refresher, indexes, _, _, lifecycles) = Services(f);
        using var _ = lifecycles;
        // T-0 is long enough for several 64-token chunks; the others are one chunk each.
        var longBody = string.Join(' ', Enumerable.Range(0, 60).Select(i => $"router firmware step {i} reboot"));
        var lines = new[] { JsonSerializer.Serialize(new { id = "T-0", channel = "email", body = longBody }) }.Concat(Tickets(20).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1));
        var version = (await f.DropAndIngestAsync("r.jsonl", Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"))).Version!;
        var built = await refresher.RefreshAsync(version, EmbeddingSettings.Lexical, CancellationToken.None);
        using var search = Search(f, indexes, lifecycles);
        var evaluator = new RetrievalEvaluator(search, new ExperimentTracker(f.Storage, new LineageStore(f.Storage, TimeProvider.System), new LlmOps.Governance.ChangeControl(f.Storage, TimeProvider.System), TimeProvider.System));
        var byRecord = RetrievalEvaluator.ParseQueries("""
            {"query": "router firmware step reboot", "relevant": ["T-0"]}
            {"query": "customer 39 reports problem number 3 with feature 3", "relevant": ["T-3", "T-404"]}
            """);

        var records = await evaluator.ScoreAsync(byRecord, built.Index.Id, k: 5);
        var chunks = await evaluator.ScoreAsync(byRecord, built.Index.Id, k: 5, RelevanceUnit.Chunk);

        Assert.True(version.Chunks >= 22, $"{version.Chunks} chunks");
        Assert.Equal(RelevanceUnit.Record, records.Unit);
        var router = records.Queries[0];
        Assert.Equal("T-0", router.Ranked[0]);
        Assert.Equal(router.Ranked.Count, router.Ranked.Distinct().Count());
        Assert.True(router.Ranked.Count < 5, "T-0's chunks fill the top 5 and count as one record");
        Assert.Equal((1.0, 1.0), (router.Recall, router.ReciprocalRank));
        Assert.Equal(0.5, records.Queries[1].Recall); // T-3 is found; T-404 is in no record
        Assert.Equal((records.Queries[0].Recall + records.Queries[1].Recall) / 2, records.RecallAtK, 12);
        Assert.Equal([router.Recall, records.Queries[1].Recall], records.Values("recall_at_k"));
        Assert.Equal(0, chunks.RecallAtK); // read as chunk ids, record ids match nothing
        Assert.Equal(RelevanceUnit.Chunk, (await evaluator.ScoreAsync(RetrievalEvaluator.ParseQueries($$"""{"query": "router firmware", "relevant": ["{{f.Source}}:T-0#0001"]}"""), built.Index.Id, 5)).Unit);
        Assert.Empty(await new SearchQueryLog(f.Storage).ListAsync(version.Feature, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1)).ToListAsync());
    }
}
