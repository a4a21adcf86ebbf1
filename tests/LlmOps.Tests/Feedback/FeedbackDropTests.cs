using System.IO.Compression;
using System.Text;
using LlmOps.LocalHost;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;

namespace LlmOps.Tests.Feedback;

/// <summary>
/// The bulk path through the local host: a gzipped JSONL of traces and a CSV of scores dropped under
/// <c>feedback/support/</c> are read by the ETL's readers and stored as the HTTP path stores them; every bad line ends
/// in quarantine with its line and reason, and an unreadable file is quarantined whole and poisoned.
/// </summary>
public sealed class FeedbackDropTests
{
    [Fact]
    public async Task Drops_TracesJsonlGzAndScoresCsv_StoredWithBadLinesQuarantined()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("support").Source("tickets", idField: "id").Build(), "support.yaml", CancellationToken.None);
        await using var host = await TestHosts.StartAsync(new FunctionCatalog(TriggerCatalog.All.Where(f => f.Name == TriggerCatalog.IngestFeedback).ToList()), prefix: prefix);
        var feedback = client.Storage.Container(StorageNames.FeedbackContainer);

        var jsonl = string.Join('\n',
            """{"id": "b-1", "output": "fine", "latencyMs": 120, "usage": {"input": 10, "output": 4}}""",
            """{"id": "b-2", "status": "weird"}""",
            "not json",
            """{"id": "b-3", "feature": "billing"}""",
            """{"id": "b-4", "feature": "support", "retrieved": [{"chunkId": "tickets:T-1#0000", "score": 0.7}]}""");
        using (var gz = new MemoryStream())
        {
            using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            {
                zip.Write(Encoding.UTF8.GetBytes(jsonl));
            }

            gz.Position = 0;
            await feedback.UploadBlobAsync("support/traces-2026-11-20.jsonl.gz", gz);
        }

        await feedback.UploadBlobAsync("support/scores-2026-11-20.csv", BinaryData.FromString("id,traceId,name,value\ns-1,b-1,thumbs_up,true\ns-2,b-4,helpfulness,4\ns-3,b-4,,1\n"));
        await feedback.UploadBlobAsync("support/broken.parquet", BinaryData.FromString("this is not parquet"));

        var (b4, b4Scores) = await Eventually.UntilAsync(() => client.Feedback.GetAsync("b-4"), found => found.Trace is not null && found.Scores.Count == 1, "b-4 with its score");
        Assert.Equal("tickets:T-1#0000", Assert.Single(b4!.Retrieved).ChunkId);
        Assert.Equal(4, b4Scores[0].Value);
        var (b1, b1Scores) = await Eventually.UntilAsync(() => client.Feedback.GetAsync("b-1"), found => found.Scores.Count == 1, "b-1's thumbs");
        Assert.Equal((120.0, 10L), (b1!.LatencyMs!.Value, b1.InputTokens!.Value));
        Assert.Equal(1, b1Scores[0].Value);
        Assert.Null((await client.Feedback.GetAsync("b-3")).Trace);

        var quarantine = client.Storage.Container(StorageNames.QuarantineContainer);
        var reports = await Eventually.UntilAsync(
            async () => await quarantine.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "feedback/support/" }).Where(b => b.Name.EndsWith("report.json", StringComparison.Ordinal)).ToListAsync(),
            found => found.Count == 3,
            "three quarantine reports");
        var texts = new List<string>();
        foreach (var report in reports)
        {
            texts.Add((await quarantine.GetBlobClient(report.Name).DownloadContentAsync()).Value.Content.ToString());
        }

        Assert.Contains(texts, t => t.Contains("\"kind\":\"traces\"", StringComparison.Ordinal) && t.Contains("\"accepted\":2", StringComparison.Ordinal) && t.Contains("\"quarantined\":3", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("\"kind\":\"scores\"", StringComparison.Ordinal) && t.Contains("\"quarantined\":1", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("\"status\":\"unreadable\"", StringComparison.Ordinal));
        var records = new List<string>();
        await foreach (var blob in quarantine.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "feedback/support/" }))
        {
            if (blob.Name.EndsWith(".jsonl.gz", StringComparison.Ordinal))
            {
                using var unzip = new StreamReader(new GZipStream((await quarantine.GetBlobClient(blob.Name).DownloadStreamingAsync()).Value.Content, CompressionMode.Decompress));
                records.Add(await unzip.ReadToEndAsync());
            }
        }

        var all = string.Join('\n', records);
        Assert.Contains("\"line\":2", all, StringComparison.Ordinal);
        Assert.Contains("status", all, StringComparison.Ordinal);
        Assert.Contains("names feature \\u0027billing\\u0027 in the folder of \\u0027support\\u0027", all, StringComparison.Ordinal);
        await Eventually.UntilAsync(async () => (await client.Storage.Queue(StorageNames.BlobPoisonQueue).PeekMessagesAsync(10)).Value.Length, count => count == 1, "the unreadable file on blob-poison");
    }
}
