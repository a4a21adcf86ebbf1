using System.Diagnostics;
using System.Numerics.Tensors;
using LlmOps.Datasets;
using LlmOps.Development;
using LlmOps.Embeddings;
using LlmOps.Ingestion;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;

namespace LlmOps.Benchmarks;

/// <summary>
/// The local embedder's throughput (against tokenizing the same chunks), exact search bandwidth over 200k x 384
/// (against a plain sum over an array of the same size: the machine's memory bandwidth), and the provider calls of an
/// incremental refresh with 1% new chunks.
/// </summary>
internal static class EmbeddingBenchmark
{
    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(AzuriteServer azurite, int vectors, int dimensions)
    {
        var results = new List<(string, string)>();
        results.AddRange(Embedder());
        results.AddRange(Search(vectors, dimensions));
        results.AddRange(await IncrementalAsync(azurite));
        return results;
    }

    private static IEnumerable<(string, string)> Embedder()
    {
        // Chunks of ~256 tokens, as the sample lifecycle cuts them.
        var random = new Random(5);
        string[] words = ["export", "invoice", "password", "reset", "dashboard", "timeout", "webhook", "admin", "refund", "the", "and", "customer", "billing", "crash", "attachment", "limit", "please", "again", "error", "settings"];
        var chunks = Enumerable.Range(0, 20_000).Select(_ => string.Join(' ', Enumerable.Range(0, 200).Select(_ => words[random.Next(words.Length)]))).ToList();
        var tokenizer = TiktokenTokenizer.CreateForEncoding("cl100k_base");
        var vector = new float[384];
        LocalEmbeddingGenerator.Embed(chunks[0], vector);
        _ = tokenizer.CountTokens(chunks[0]);

        var clock = Stopwatch.StartNew();
        long tokens = 0;
        foreach (var chunk in chunks)
        {
            tokens += tokenizer.CountTokens(chunk);
        }

        var tokenizeRate = chunks.Count / clock.Elapsed.TotalSeconds;
        clock.Restart();
        foreach (var chunk in chunks)
        {
            LocalEmbeddingGenerator.Embed(chunk, vector);
        }

        var embedRate = chunks.Count / clock.Elapsed.TotalSeconds;
        yield return ($"Baseline: cl100k tokenization of {chunks.Count} chunks (~{tokens / chunks.Count} tokens each), one core", $"{tokenizeRate:0} chunks/s");
        yield return ("Local embedder (lexical-ngram, 384 d), one core", $"{embedRate:0} chunks/s per core = {embedRate / tokenizeRate:0.00} x tokenization");
    }

    private static IEnumerable<(string, string)> Search(int count, int dimensions)
    {
        var random = new Random(11);
        var data = new float[count * dimensions];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextDouble() - 0.5);
        }

        for (var i = 0; i < count; i++)
        {
            UnitVector.Normalize(data.AsSpan(i * dimensions, dimensions));
        }

        var chunks = Enumerable.Range(0, count).Select(i => new IndexedChunk($"c{i}", $"r{i}", "", "bench", "en", "", new Dictionary<string, string>())).ToList();
        var manifest = new EmbeddingIndexManifest("index:bench@000000000000/bench-" + dimensions, "dataset:bench@000000000000", "bench", "bench", "local", "bench", dimensions, count, [], 0, 0, 0, DateTimeOffset.UtcNow);
        var index = new VectorIndex(manifest, data, chunks);
        var query = data.AsSpan(0, dimensions).ToArray();
        var bytes = (double)data.Length * sizeof(float);

        // Baseline: the memory bandwidth, a plain (vectorized) sum over the same array on the same cores.
        var partitions = Environment.ProcessorCount;
        var sums = new List<double>();
        var searches = new List<double>();
        for (var round = 0; round < 15; round++)
        {
            sums.Add(MemoryBandwidth.Measure(data));
            var clock = Stopwatch.StartNew();
            var hits = index.Search(query, 10);
            searches.Add(bytes / clock.Elapsed.TotalSeconds / 1e9);
            if (hits[0].Chunk.ChunkId != "c0")
            {
                throw new InvalidOperationException("Exact search did not rank the query's own vector first.");
            }
        }

        sums.Sort();
        searches.Sort();
        var bandwidth = sums[sums.Count / 2];
        var scanned = searches[searches.Count / 2];
        yield return ($"Baseline: memory bandwidth, sum over {count} x {dimensions} float32 ({bytes / 1e6:0} MB, {partitions} threads, median)", $"{bandwidth:0.0} GB/s");
        yield return ($"Exact top-10 cosine search over {count} x {dimensions} (median)", $"{scanned:0.0} GB/s scanned ({bytes / scanned / 1e6:0.0} ms/query) = {scanned / bandwidth:0.00} x bandwidth");
    }

    private static async Task<IEnumerable<(string, string)>> IncrementalAsync(AzuriteServer azurite)
    {
        var storage = new StorageAccount(azurite.ConnectionString);
        await StorageProvisioner.EnsureAsync(storage);
        var yaml = EtlBenchmark.LifecycleYaml.Replace("bench", "embbench", StringComparison.Ordinal);
        using var catalog = new LifecycleCatalog(storage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(storage, TimeProvider.System));
        await catalog.PublishAsync(yaml, "embbench.yaml", CancellationToken.None);
        var lineage = new LineageStore(storage, TimeProvider.System);
        var ingestor = new DropIngestor(storage, catalog, lineage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), TimeProvider.System, NullLogger<DropIngestor>.Instance);
        var datasets = new DatasetStore(storage);
        var refresher = new EmbeddingRefresher(datasets, new EmbeddingIndexStore(storage), catalog, new EmbeddingGeneratorFactory(Options.Create(new AzureOpenAIOptions())), lineage, TimeProvider.System, NullLogger<EmbeddingRefresher>.Instance);
        var raw = storage.Container(StorageNames.RawContainer);
        await raw.CreateIfNotExistsAsync();

        async Task<DatasetManifest> IngestAsync(string name, long bytes)
        {
            using var content = new MemoryStream();
            await SyntheticDrop.WriteAsync(content, bytes);
            content.Position = 0;
            var uploaded = await raw.GetBlobClient($"embbench/{name}").UploadAsync(content, overwrite: true);
            var result = await ingestor.IngestAsync("embbench", StorageNames.RawContainer, $"embbench/{name}", uploaded.Value.ETag, CancellationToken.None);
            return result.Version ?? throw new InvalidOperationException($"{name} was not published: {result.Reason}");
        }

        // Version 2 is version 1 plus about 1% more records (the synthetic drop is deterministic, so v1 is its prefix).
        var v1 = await IngestAsync("v1.jsonl", 10_000_000);
        var v2 = await IngestAsync("v2.jsonl", 10_100_000);
        var first = await refresher.RefreshAsync(v1.Id, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var second = await refresher.RefreshAsync(v2.Id, CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        var newChunks = v2.Chunks - v1.Chunks;
        if (second.Embedded != newChunks)
        {
            throw new InvalidOperationException($"The incremental refresh embedded {second.Embedded} chunks; {newChunks} are new.");
        }

        var rerun = await refresher.RefreshAsync(v2.Id, CancellationToken.None);
        return
        [
            ($"Full refresh of v1 ({v1.Chunks} chunks)", $"{first.Embedded} embedded in {first.ProviderRequests} request(s)"),
            ($"Incremental refresh of v2 ({v2.Chunks} chunks, {newChunks} new = {100.0 * newChunks / v2.Chunks:0.0}%)", $"{second.Embedded} embedded in {second.ProviderRequests} request(s), {second.Reused} reused, {seconds:0.0} s"),
            ("  embedded / new chunks (must be 1)", $"{(double)second.Embedded / newChunks:0.00}"),
            ("Re-run on an unchanged version", $"{rerun.Embedded} embedded, {rerun.ProviderRequests} request(s)"),
        ];
    }
}
