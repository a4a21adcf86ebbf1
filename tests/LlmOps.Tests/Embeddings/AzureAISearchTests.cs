using System.Linq.Expressions;
using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;
using Azure;
using LlmOps.Development;
using LlmOps.Embeddings;
using LlmOps.Errors;
using LlmOps.Evaluation;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Samples;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tests.Ingestion;
using LlmOps.Tracking;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;

namespace LlmOps.Tests.Embeddings;

/// <summary>The azure-ai-search store against a loopback server that speaks Azure AI Search's REST protocol over HTTPS, with the real client.</summary>
public sealed class AzureAISearchTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Channels = ["email", "chat", "phone"];
    private FakeAzureAISearchServer? _server;

    private FakeAzureAISearchServer Server => _server!;

    public async Task InitializeAsync() => _server = await FakeAzureAISearchServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private AzureAISearchStore Store(int batchSize = 500, string? apiKey = FakeAzureAISearchServer.ApiKey, int maxRetries = 3) =>
        new(Options.Create(new AzureAISearchOptions { Endpoint = Server.Endpoint, ApiKey = apiKey, BatchSize = batchSize, MaxRetries = maxRetries, IndexPrefix = "t" + TestNames.Prefix().ToLowerInvariant() }), transport: Server.CreateTransport());

    private static float[] RandomUnit(Random random, int dimensions)
    {
        var vector = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = (float)(random.NextDouble() * 2 - 1);
        }

        UnitVector.Normalize(vector);
        return vector;
    }

    private static List<ChunkDocument> Documents(int count, int dimensions, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => ChunkDocument.From(
            new IndexedChunk($"src:T-{i}#0000", $"T-{i}", $"h{i}", "m", i % 4 == 0 ? "de" : "en", $"text {i}", new Dictionary<string, string> { ["channel"] = Channels[i % 3] }),
            "index:src@1/m-16",
            RandomUnit(random, dimensions)))];
    }

    [Fact]
    public async Task Collection_CreatesHnswCosineIndex_UploadsInBatches_SearchesExactlyWithFilters()
    {
        using var collection = Store(batchSize: 500).Collection("tickets", "m", 16);
        Assert.False(await collection.CollectionExistsAsync());
        await collection.EnsureCollectionExistsAsync();
        await collection.EnsureCollectionExistsAsync();
        var definition = Server.Indexes[collection.Name];
        var vectorField = definition["fields"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "vector")!;
        Assert.Equal(16, vectorField["dimensions"]!.GetValue<int>());
        var profile = vectorField["vectorSearchProfile"]!.GetValue<string>();
        var algorithm = definition["vectorSearch"]!["profiles"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == profile)!["algorithm"]!.GetValue<string>();
        var hnsw = definition["vectorSearch"]!["algorithms"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == algorithm)!;
        Assert.Equal(("hnsw", "cosine"), (hnsw["kind"]!.GetValue<string>(), hnsw["hnswParameters"]!["metric"]!.GetValue<string>()));
        Assert.Equal("key", definition["fields"]!.AsArray().Single(f => f!["key"]?.GetValue<bool>() == true)!["name"]!.GetValue<string>());

        // The same name with another size is refused, not silently mixed.
        using var resized = new AzureAISearchCollection(collection.GetService(typeof(Azure.Search.Documents.Indexes.SearchIndexClient)) as Azure.Search.Documents.Indexes.SearchIndexClient ?? throw new InvalidOperationException(), collection.Name, 32, new AzureAISearchOptions());
        await ExpectError.ThrowsAsync(ErrorCode.Conflict, () => resized.EnsureCollectionExistsAsync());

        var documents = Documents(1200, 16, seed: 5);
        await collection.UpsertAsync(documents);
        Assert.Equal([500, 500, 200], Server.Requests.Where(r => r.Operation == "docs/index").Select(r => r.Items));
        Assert.Equal(1200, Server.Documents(collection.Name).Count);
        await collection.UpsertAsync(documents.Take(10));
        Assert.Equal(1200, Server.Documents(collection.Name).Count);

        var query = RandomUnit(new Random(99), 16);
        Expression<Func<ChunkDocument, bool>> english = d => d.Language == "en" && d.Fields.Contains("channel=phone");
        var results = await collection.SearchAsync(query, 10, new VectorSearchOptions<ChunkDocument> { Filter = english }).ToListAsync();
        var kept = english.Compile();
        var expected = documents.Where(kept).Select(d => (d.ChunkId, Cosine: TensorPrimitives.CosineSimilarity(query, d.Vector))).OrderByDescending(h => h.Cosine).Take(10).ToList();
        Assert.Equal(expected.Select(e => e.ChunkId), results.Select(r => r.Record.ChunkId));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(expected[i].Cosine, results[i].Score!.Value, 5);
        }

        Assert.All(results, r => Assert.Equal(("en", "channel=phone"), (r.Record.Language, r.Record.Fields.Single())));
        Assert.Equal(documents.Count(kept), await collection.CountAsync(english));
        Assert.Equal(1200, await collection.CountAsync(null));

        var one = await collection.GetAsync(documents[7].Key, new RecordRetrievalOptions { IncludeVectors = true });
        Assert.Equal(documents[7].Vector, one!.Vector);
        Assert.Equal("src:T-7#0000", one.ToChunk().ChunkId);
        Assert.Equal("chat", one.ToChunk().Fields["channel"]);
        Assert.Null(await collection.GetAsync("nope"));
        await collection.DeleteAsync(documents.Take(100).Select(d => d.Key));
        Assert.Equal(1100, Server.Documents(collection.Name).Count);
        var german = await collection.GetAsync(d => d.Language == "de", 1000).ToListAsync();
        Assert.Equal(documents.Skip(100).Count(d => d.Language == "de"), german.Count);
        Assert.All(german, d => Assert.Equal("de", d.Language));

        await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => collection.UpsertAsync([ChunkDocument.From(new IndexedChunk("x", "x", "h", "m", null, "t", new Dictionary<string, string>()), "i", new float[3])]));
        await collection.EnsureCollectionDeletedAsync();
        Assert.False(await collection.CollectionExistsAsync());
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task Throttled_WithRetryAfter_WaitsThenSucceeds(int status)
    {
        using var collection = Store().Collection("throttled", "m", 16);
        await collection.EnsureCollectionExistsAsync();
        Server.ThrottleNext(1, status, retryAfterSeconds: 1);
        await collection.UpsertAsync(Documents(20, 16, seed: 1));
        Server.ThrottleNext(1, status, retryAfterSeconds: 1);
        var hits = await collection.SearchAsync(RandomUnit(new Random(3), 16), 5).ToListAsync();

        Assert.Equal(5, hits.Count);
        foreach (var operation in new[] { "docs/index", "search" })
        {
            var requests = Server.Requests.Where(r => r.Operation == operation).ToList();
            Assert.Equal([status, 200], requests.Select(r => r.Status));
            Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(0.95), $"{operation} retried after {(requests[1].At - requests[0].At).TotalSeconds:0.00} s; Retry-After said 1 s");
        }
    }

    [Fact]
    public async Task FailedDocuments_RetriableSentAgainAlone_OthersSurfaceWithTheirKey()
    {
        using var collection = Store().Collection("partial", "m", 16);
        await collection.EnsureCollectionExistsAsync();
        var documents = Documents(50, 16, seed: 2);
        Server.FailDocumentsOnce([documents[3].Key, documents[40].Key], 503);
        await collection.UpsertAsync(documents);

        var writes = Server.Requests.Where(r => r.Operation == "docs/index").ToList();
        Assert.Equal([(50, 207), (2, 200)], writes.Select(r => (r.Items, r.Status)));
        Assert.Equal(50, Server.Documents(collection.Name).Count);

        Server.FailDocumentsOnce([documents[9].Key], 400);
        var error = await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => collection.UpsertAsync(documents.Take(20)));
        Assert.Contains(documents[9].Key, error.Message, StringComparison.Ordinal);

        using var wrongKey = Store(apiKey: "nope").Collection("partial", "m", 16);
        Assert.Equal(403, (await Assert.ThrowsAsync<RequestFailedException>(() => wrongKey.EnsureCollectionExistsAsync())).Status);
    }

    [Fact]
    public void Filters_TranslateToOData_AndUnsupportedOnesAreRefused()
    {
        var record = "T-1";
        Assert.Equal("(language eq 'en') and (fields/any(t: t eq 'channel=it''s'))", ChunkFilter.ToOData(d => d.Language == "en" && d.Fields.Contains("channel=it's")));
        Assert.Equal("(record_id eq 'T-1') or (not (language eq null))", ChunkFilter.ToOData(d => d.RecordId == record || !(d.Language == null)));
        Assert.Equal("(fields/any(t: t eq 'channel=phone')) and (language eq 'de')", ChunkFilter.ToOData(ChunkFilter.FromMatches(new Dictionary<string, string> { ["language"] = "de", ["channel"] = "phone" })!));
        Assert.Contains("Fields.Contains", ExpectError.Throws(ErrorCode.Invalid, () => ChunkFilter.ToOData(d => d.Text.StartsWith('a'))).Message, StringComparison.Ordinal);
        Assert.Null(ChunkFilter.FromMatches(new Dictionary<string, string>()));

        Assert.Equal("llmops-tickets-all-minilm-l6-v2-384", AzureAISearchStore.IndexName("llmops", "tickets", "all-minilm-l6-v2", 384));
        var odd = AzureAISearchStore.IndexName("llmops", "Tickets_EU", "text-embedding-3.large", 3072);
        Assert.Matches("^llmops-tickets-eu-text-embedding-3-large-3072-[0-9a-f]{8}$", odd);
        Assert.NotEqual(odd, AzureAISearchStore.IndexName("llmops", "tickets-eu", "text-embedding-3-large", 3072));
        Assert.True(AzureAISearchStore.IndexName("llmops", new string('s', 200), "m", 8).Length <= 128);
    }

    [Fact]
    public void MissingEndpoint_ClearError_NamingKeyAndRoles()
    {
        var store = new AzureAISearchStore(Options.Create(new AzureAISearchOptions()));
        var error = ExpectError.Throws(ErrorCode.Invalid, () => store.Collection("a", "m", 8));
        Assert.Contains("LlmOps__AzureAISearch__Endpoint", error.Message, StringComparison.Ordinal);
        Assert.Contains("Search Index Data Contributor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_StoreOption_SaysWhichStoreAnswered_AndRefusesAVersionSearchDoesNotHold()
    {
        var azurite = await SharedAzurite.GetAsync();
        string[] common = ["--connection-string", azurite.ConnectionString, "--storage-prefix", TestNames.Prefix()];
        Assert.Equal(0, (await CliRun.RunAsync(["lifecycle", "publish", RepositoryRoot.Combine("samples", "support-answers.lifecycle.yaml"), .. common])).Exit);
        Assert.Equal(0, (await CliRun.RunAsync(["ingest", RepositoryRoot.Combine("samples", "support-tickets.jsonl"), "--source", "tickets", .. common])).Exit);
        Assert.Equal(0, (await CliRun.RunAsync(["embeddings", "refresh", "tickets", .. common])).Exit);

        var (exit, output) = await CliRun.RunAsync(["search", "password reset link expired", "-k", "1", .. common]);
        Assert.True(exit == 0, output);
        Assert.Contains("on exact,", output, StringComparison.Ordinal);
        (exit, output) = await CliRun.RunAsync(["search", "password reset link expired", "--store", "azure-ai-search", .. common]);
        Assert.NotEqual(0, exit);
        Assert.Contains("Azure AI Search does not hold", output, StringComparison.Ordinal);
        Assert.NotEqual(0, (await CliRun.RunAsync(["search", "x", "--store", "faiss", .. common])).Exit);
        (exit, output) = await CliRun.RunAsync(["eval", "retrieval", RepositoryRoot.Combine("samples", "support-queries.jsonl"), "--store", "exact", .. common]);
        Assert.True(exit == 0, output);
        Assert.Contains("on exact,", output, StringComparison.Ordinal);

        // Mirroring needs the service: without an endpoint the error says which setting and which roles.
        (exit, output) = await CliRun.RunAsync(["embeddings", "mirror", "tickets", .. common]);
        Assert.NotEqual(0, exit);
        Assert.Contains("LlmOps__AzureAISearch__Endpoint", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Lifecycle_StoreLine_IsParsed_AndAnUnknownStoreIsRefused()
    {
        var yaml = new LifecycleBuilder("store-line").Source("s", idField: "id").Section("embedding: { model: lexical-ngram, dimensions: 384, store: azure-ai-search }").Build();
        Assert.Equal(EmbeddingSettings.AzureAISearchStore, LifecycleParser.Parse(yaml).Embedding.Store);
        Assert.Equal(EmbeddingSettings.ExactStore, LifecycleParser.Parse(new LifecycleBuilder("no-store").Source("s", idField: "id").Build()).Embedding.Store);
        var bad = Assert.Throws<LifecycleValidationException>(() => LifecycleParser.Parse(new LifecycleBuilder("bad-store").Source("s", idField: "id").Section("embedding: { store: faiss }").Build()));
        Assert.Contains("embedding.store", bad.Message, StringComparison.Ordinal);
    }

    private static string Tickets(IEnumerable<int> ids, int edited = -1) => string.Join('\n', ids.Select(i =>
        JsonSerializer.Serialize(new
        {
            id = $"T-{i}",
            channel = Channels[i % 3],
            body = i == edited ? $"Ticket {i}: the customer now reports that the invoice PDF is blank." : $"Ticket {i}: customer {i * 13} reports problem number {i % 17} with feature {i % 5}.",
        }))) + "\n";

    private (EmbeddingRefresher Refresher, SemanticSearch Search, RetrievalEvaluator Evaluator, EmbeddingIndexStore Indexes, AzureAISearchStore Store) Services(IngestionFixture f)
    {
        var lineage = new LineageStore(f.Storage, TimeProvider.System);
        var indexes = new EmbeddingIndexStore(f.Storage);
        var generators = new EmbeddingGeneratorFactory(Options.Create(new AzureOpenAIOptions()));
        var store = Store(batchSize: 25);
        var mirror = new SearchIndexMirror(indexes, f.Catalog, store, NullLogger<SearchIndexMirror>.Instance);
        var refresher = new EmbeddingRefresher(new LlmOps.Datasets.DatasetStore(f.Storage), indexes, f.Catalog, generators, lineage, TimeProvider.System, NullLogger<EmbeddingRefresher>.Instance, mirror);
        var search = new SemanticSearch(indexes, f.Catalog, generators, new SearchQueryLog(f.Storage), TimeProvider.System, mirror);
        var tracker = new ExperimentTracker(f.Storage, lineage, new LlmOps.Governance.ChangeControl(f.Storage, TimeProvider.System), TimeProvider.System);
        return (refresher, search, new RetrievalEvaluator(search, tracker), indexes, store);
    }

    [Fact]
    public async Task Refresh_MirrorsTheVersion_ThenSendsOnlyChangedChunks_AndSearchGoesToTheMirror()
    {
        var f = await IngestionFixture.CreateAsync(embedding: "{ model: lexical-ngram, dimensions: 384, store: azure-ai-search }");
        var (refresher, search, _, indexes, store) = Services(f);
        using var _ = search;
        var v1 = (await f.DropAndIngestAsync("v1.jsonl", Encoding.UTF8.GetBytes(Tickets(Enumerable.Range(0, 60))))).Version!;
        var first = await refresher.RefreshAsync(v1.Id, CancellationToken.None);
        var name = AzureAISearchStore.IndexName(store.Options.IndexPrefix, f.Source, "lexical-ngram", 384);
        Assert.Equal((name, 60L, 0L, 0L, SearchMirrorOutcome.Mirrored), (first.Mirrored!.SearchIndex, first.Mirrored.Uploaded, first.Mirrored.Deleted, first.Mirrored.Unchanged, first.Mirrored.Outcome));
        Assert.Equal(3, first.Mirrored.Requests);
        var index = await indexes.LoadAsync(first.Index);
        var stored = Server.Documents(name);
        Assert.Equal(index.Chunks.Select(c => ChunkDocument.KeyOf(c.ChunkId)).Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        var t5 = index.Chunks.Select((c, i) => (c, i)).Single(x => x.c.RecordId == "T-5");
        Assert.Equal(index.Vectors.AsSpan(t5.i * 384, 384).ToArray(), stored[ChunkDocument.KeyOf(t5.c.ChunkId)]["vector"]!.AsArray().Select(v => v!.GetValue<float>()));
        Assert.Equal(first.Index.Id, stored[ChunkDocument.KeyOf(t5.c.ChunkId)]["index_id"]!.GetValue<string>());

        // Again: nothing is sent. Then T-5 edited, T-7 gone, T-60 new: two uploads and one delete, nothing else.
        Assert.Equal(SearchMirrorOutcome.AlreadyMirrored, (await refresher.RefreshAsync(v1.Id, CancellationToken.None)).Mirrored!.Outcome);
        var before = Server.Actions.Count;
        var v2 = (await f.DropAndIngestAsync("v2.jsonl", Encoding.UTF8.GetBytes(Tickets(Enumerable.Range(0, 61).Where(i => i != 7), edited: 5)))).Version!;
        var second = await refresher.RefreshAsync(v2.Id, CancellationToken.None);
        Assert.Equal((2L, 1L, 58L, 2), (second.Mirrored!.Uploaded, second.Mirrored.Deleted, second.Mirrored.Unchanged, second.Mirrored.Requests));
        var sent = Server.Actions.Skip(before).Select(a => (a.Action, a.Key)).Order().ToList();
        Assert.Equal(new[] { ("delete", $"{f.Source}:T-7#0000"), ("mergeOrUpload", $"{f.Source}:T-5#0000"), ("mergeOrUpload", $"{f.Source}:T-60#0000") }.Select(a => (a.Item1, ChunkDocument.KeyOf(a.Item2))).Order().ToList(), sent);
        var mirrored = await indexes.LoadAsync(second.Index);
        stored = Server.Documents(name);
        Assert.Equal(mirrored.Chunks.Select(c => ChunkDocument.KeyOf(c.ChunkId)).Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        Assert.All(mirrored.Chunks, c => Assert.Equal(c.ContentHash, stored[ChunkDocument.KeyOf(c.ChunkId)]["content_hash"]!.GetValue<string>()));

        // An older version never replaces the newer one.
        Assert.Equal(SearchMirrorOutcome.NewerMirrored, (await refresher.RefreshAsync(v1.Id, CancellationToken.None)).Mirrored!.Outcome);
        Assert.Equal(stored.Count, Server.Documents(name).Count);

        // Search on the mirrored version goes to the service and agrees with exact search; the older one is searched exactly.
        var searches = Server.Requests.Count(r => r.Operation == "search");
        var phone = await search.SearchAsync("invoice PDF is blank", second.Index.Id, k: 5, new Dictionary<string, string> { ["channel"] = "phone" });
        Assert.True(Server.Requests.Count(r => r.Operation == "search") >= searches + 2, "the query and the candidate count went to Azure AI Search");
        Assert.Equal(20, phone.Candidates);
        Assert.All(phone.Hits, h => Assert.Equal("phone", h.Chunk.Fields["channel"]));
        var queries = new[] { "invoice PDF is blank", "problem number 3 with feature 1", "customer 260 reports" };
        var viaSearch = await search.SearchUnloggedAsync(mirrored, queries, 5, EmbeddingSettings.AzureAISearchStore, CancellationToken.None);
        var exact = await search.SearchUnloggedAsync(mirrored, queries, 5, EmbeddingSettings.ExactStore, CancellationToken.None);
        for (var q = 0; q < queries.Length; q++)
        {
            Assert.Equal(exact[q].Select(h => h.Chunk.ChunkId), viaSearch[q].Select(h => h.Chunk.ChunkId));
            Assert.Equal(exact[q].Select(h => h.Score), viaSearch[q].Select(h => h.Score), (a, b) => Math.Abs(a - b) < 1e-5);
        }

        Assert.Equal("T-5", (await search.SearchAsync("invoice PDF is blank", second.Index.Id, k: 1)).Hits[0].Chunk.RecordId);
        searches = Server.Requests.Count(r => r.Operation == "search");
        await search.SearchAsync("invoice PDF is blank", first.Index.Id, k: 1);
        Assert.Equal(searches, Server.Requests.Count(r => r.Operation == "search"));
        var older = await indexes.LoadAsync(first.Index);
        await ExpectError.ThrowsAsync(ErrorCode.Conflict, () => search.SearchUnloggedAsync(older, queries, 5, EmbeddingSettings.AzureAISearchStore, CancellationToken.None));
    }

    [Fact]
    public async Task ConcurrentSyncs_EndWithTheNewestVersionExactly_WhateverTheInterleaving()
    {
        var f = await IngestionFixture.CreateAsync();
        var (refresher, search, _, indexes, store) = Services(f);
        using var _ = search;
        var mirror = new SearchIndexMirror(indexes, f.Catalog, store, NullLogger<SearchIndexMirror>.Instance);
        async Task<EmbeddingIndexManifest> BuildAsync(string name, IEnumerable<int> ids, int edited = -1) =>
            (await refresher.RefreshAsync((await f.DropAndIngestAsync(name, Encoding.UTF8.GetBytes(Tickets(ids, edited)))).Version!, EmbeddingSettings.Lexical, CancellationToken.None)).Index;

        // v2 adds 100-139 and drops 0-19; v3 keeps 0-19 but drops 20-39 and edits 50: each undoes part of the other.
        var v1 = await BuildAsync("v1.jsonl", Enumerable.Range(0, 100));
        var v2 = await BuildAsync("v2.jsonl", Enumerable.Range(20, 120));
        var v3 = await BuildAsync("v3.jsonl", Enumerable.Range(0, 100).Where(i => i is < 20 or >= 40), edited: 50);
        Assert.Equal(SearchMirrorOutcome.Mirrored, (await mirror.SyncAsync(v1, rebuild: false, CancellationToken.None)).Outcome);
        await Task.WhenAll(mirror.SyncAsync(v2, rebuild: false, CancellationToken.None), mirror.SyncAsync(v3, rebuild: false, CancellationToken.None));

        var expected = await indexes.LoadAsync(v3);
        var stored = Server.Documents(AzureAISearchStore.IndexName(store.Options.IndexPrefix, f.Source, v3.Model, v3.Dimensions));
        Assert.Equal(expected.Chunks.Select(c => ChunkDocument.KeyOf(c.ChunkId)).Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected.Chunks, c => Assert.Equal(c.ContentHash, stored[ChunkDocument.KeyOf(c.ChunkId)]["content_hash"]!.GetValue<string>()));
        Assert.True(await mirror.MirrorsAsync(v3, CancellationToken.None));

        // A rebuild starts the index over and uploads every chunk.
        var rebuilt = await mirror.SyncAsync(v3, rebuild: true, CancellationToken.None);
        Assert.Equal((expected.Count, 0L, 0L), (rebuilt.Uploaded, rebuilt.Deleted, rebuilt.Unchanged));
        Assert.Equal(expected.Count, Server.Documents(rebuilt.SearchIndex).Count);
    }

    [Fact]
    public async Task Erasure_TakesTheSubjectsChunksOutOfAzureAISearch()
    {
        const string Email = "jane@example.com";
        var connection = (await SharedAzurite.GetAsync()).ConnectionString;
        var store = Store();
        using var client = new LlmOpsClient(connection, TestNames.Prefix(), LlmOps.Governance.Caller.Local("root"), configure: s => s.AddSingleton(store));
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(
            new LifecycleBuilder("privacy").Source("tickets", idField: "id", fields: [LifecycleBuilder.Id, "customer: { type: string }", LifecycleBuilder.Body])
                .Section("embedding: { provider: local, model: lexical-ngram, dimensions: 384, store: azure-ai-search }").Build(),
            "privacy.yaml", CancellationToken.None);
        var lines = Enumerable.Range(0, 300).Select(i => JsonSerializer.Serialize(new { id = $"T-{i:000}", customer = $"user{i}@example.org", body = $"Ticket {i}: the login issue number {i} needs help." })).ToList();
        lines[17] = JsonSerializer.Serialize(new { id = "SUBJ-1", customer = Email, body = "My printer jams on tray two, zqxmarker one." });
        lines[200] = JsonSerializer.Serialize(new { id = "SUBJ-2", customer = "other@example.org", body = "Please write back to jane@example.com about zqxmarker two." });
        var file = Path.Combine(Directory.CreateTempSubdirectory("llmops-search-erasure-").FullName, "tickets.jsonl");
        await File.WriteAllLinesAsync(file, lines);
        var version = (await client.IngestFileAsync(file, "tickets")).Version!;
        var built = await client.Refresher.RefreshAsync(version.Id, CancellationToken.None);
        var name = built.Mirrored!.SearchIndex;
        Assert.Contains(Server.Documents(name).Values, d => d.ToJsonString().Contains("zqxmarker", StringComparison.Ordinal));

        var report = await client.Erasure.EraseAsync(Email, why: "GDPR request 18");
        var item = report.Items.Single(i => i.Store == "search index");
        Assert.Equal((name, 2L), (item.Name, item.Removed));
        var stored = Server.Documents(name);
        Assert.DoesNotContain(stored.Values, d => d.ToJsonString().Contains("zqxmarker", StringComparison.Ordinal) || d.ToJsonString().Contains(Email, StringComparison.OrdinalIgnoreCase));
        var successor = (await client.Indexes.GetAsync(report.Items.Single(i => i.Store == "index").Successor!))!;
        Assert.Equal(successor.Vectors, stored.Count);
        Assert.True(await client.Mirror.MirrorsAsync(successor, CancellationToken.None));
        Assert.Equal(EmbeddingSettings.AzureAISearchStore, (await client.Search.SearchAsync("printer jams on tray two", successor.Id, k: 3)).Store);
    }

    [Fact]
    public async Task Recall_OnTheHeldOutApiDocsQueries_WithinTwoHundredthsOfExact()
    {
        var source = "m" + TestNames.Prefix().ToLowerInvariant();
        var yaml = File.ReadAllText(RepositoryRoot.Combine("samples", "api-docs.lifecycle.yaml"))
            .Replace("feature: api-docs", "feature: api-docs-" + source, StringComparison.Ordinal)
            .Replace("- name: members", "- name: " + source, StringComparison.Ordinal)
            .Replace("path: raw/members/", $"path: raw/{source}/", StringComparison.Ordinal)
            .Replace("embedding: { provider: local, model: all-minilm-l6-v2, dimensions: 384 }", "embedding: { provider: local, model: all-minilm-l6-v2, dimensions: 384, store: azure-ai-search }", StringComparison.Ordinal);
        var f = await IngestionFixture.ForLifecycleAsync(yaml, source);
        var set = ApiDocsQuerySet.Create(ApiDocsCorpus.Load(ApiDocsCorpus.FindReferenceDocs()), types: 80, membersPerType: 4, distractors: 120, seed: 4242);
        var (refresher, search, evaluator, _, _) = Services(f);
        using var _ = search;
        var version = (await f.DropAndIngestAsync("members.jsonl", Encoding.UTF8.GetBytes(set.RecordsJsonl()))).Version!;
        var built = await refresher.RefreshAsync(version.Id, CancellationToken.None);
        Assert.Equal(built.Index.Vectors, built.Mirrored!.Uploaded);

        var searches = Server.Requests.Count(r => r.Operation == "search");
        var viaSearch = await evaluator.ScoreAsync(set.HeldOut, built.Index.Id, 10, RelevanceUnit.Record, EmbeddingSettings.AzureAISearchStore);
        Assert.Equal(searches + set.HeldOut.Count, Server.Requests.Count(r => r.Operation == "search"));
        var exact = await evaluator.ScoreAsync(set.HeldOut, built.Index.Id, 10, RelevanceUnit.Record, EmbeddingSettings.ExactStore);
        Assert.True(set.HeldOut.Count >= 30, $"{set.HeldOut.Count} held-out queries");
        Assert.True(exact.RecallAtK > 0.2, $"exact recall@10 {exact.RecallAtK:0.000}: the set must be one search can answer");
        output.WriteLine($"{set.HeldOut.Count} held-out queries, {built.Index.Vectors} chunks: recall@10 {viaSearch.RecallAtK:0.0000} (Azure AI Search) against {exact.RecallAtK:0.0000} (exact); MRR {viaSearch.Mrr:0.0000} against {exact.Mrr:0.0000}");
        Assert.True(Math.Abs(viaSearch.RecallAtK - exact.RecallAtK) <= 0.02, $"recall@10 {viaSearch.RecallAtK:0.000} on Azure AI Search against {exact.RecallAtK:0.000} exact");
        Assert.Equal(Server.Requests.Count(r => r.Operation == "search"), searches + set.HeldOut.Count);
    }
}
