using System.Text.Json;
using Azure;
using LlmOps.Datasets;
using LlmOps.Embeddings;
using LlmOps.Lifecycle;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;

namespace LlmOps.Tests.Triggers;

/// <summary>
/// `llmops poison`: a poisoned blob version (a feedback drop, a raw drop) and a poisoned queue message (a dataset version
/// announcement) are listed with attempts and last error, replayed through the same handler (failing again keeps them
/// with their count up), and discarded with the reason recorded. Poison messages are put where the hosts put them,
/// through <see cref="DeadLetters"/>.
/// </summary>
public sealed class PoisonReplayTests
{
    [Fact]
    public async Task FeedbackBlob_FailsAgainWithoutItsLifecycle_ThenReplaysOnceItExists()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.ProvisionAsync();
        var uploaded = await client.Storage.Container(StorageNames.FeedbackContainer).GetBlobClient("support/traces-1.jsonl")
            .UploadAsync(BinaryData.FromString("""{"id": "p-1", "output": "fine", "latencyMs": 120}""" + "\n"));
        var input = new BlobTriggerInput(StorageNames.FeedbackContainer, "support/traces-1.jsonl", uploaded.Value.ETag, new Dictionary<string, string> { ["feature"] = "support" });
        await new DeadLetters(client.Storage, TimeProvider.System).SendBlobAsync(TriggerCatalog.IngestFeedback, input, 5, "feature 'support' has no published lifecycle", CancellationToken.None);

        var listed = Assert.Single(await client.Poison.ListAsync());
        Assert.Equal((TriggerCatalog.IngestFeedback, TriggerKind.Blob, 5L, 0), (listed.Function, listed.Kind, listed.Attempts, listed.Replays));
        Assert.StartsWith("feedback/support/traces-1.jsonl (", listed.Subject, StringComparison.Ordinal);
        Assert.Empty(await client.Poison.ListAsync(TriggerCatalog.IndexDatasetVersion));

        // Still no lifecycle: the handler refuses again; the input stays, with its replay count and the new error.
        var (exit, output) = await CliRun.RunAsync("poison", "replay", "--id", listed.Id, "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix);
        Assert.True(exit == 1, output);
        Assert.Contains("failed again", output, StringComparison.Ordinal);
        var kept = Assert.Single(await client.Poison.ListAsync());
        Assert.Equal((listed.Id, 1), (kept.Id, kept.Replays));
        Assert.Contains("has no published lifecycle", kept.Error, StringComparison.Ordinal);
        Assert.Null((await client.Feedback.GetAsync("p-1")).Trace);

        // Fixed: the replay stores the trace and the input leaves the poison queue.
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("support").Source("tickets", idField: "id").Build(), "support.yaml", CancellationToken.None);
        (exit, output) = await CliRun.RunAsync("poison", "replay", "--all", "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix);
        Assert.True(exit == 0, output);
        Assert.Contains($"replayed {listed.Id}", output, StringComparison.Ordinal);
        Assert.Equal(120.0, (await client.Feedback.GetAsync("p-1")).Trace!.LatencyMs);
        Assert.Empty(await client.Poison.ListAsync());
    }

    [Fact]
    public async Task QueueMessage_BadBodyFailsAgainWithItsNote_GoodOneReplaysIntoAnIndex_AndADiscardIsRecorded()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        var lexical = (await File.ReadAllTextAsync(RepositoryRoot.Combine("samples", "support-answers.lifecycle.yaml")))
            .Replace("provider: local, model: all-minilm-l6-v2", "provider: local, model: lexical-ngram", StringComparison.Ordinal);
        var version = (await SampleTickets.IngestAsync(client, lexical)).Version!;
        // The ingestion announced the version on dataset-versions; the host that would index it "failed" on it.
        var queue = client.Storage.Queue(StorageNames.DatasetVersionsQueue);
        var announcement = Assert.Single((await queue.ReceiveMessagesAsync(32)).Value);
        var deadLetters = new DeadLetters(client.Storage, TimeProvider.System);
        var good = await deadLetters.SendQueueMessageAsync(StorageNames.DatasetVersionsQueue, announcement.Body, 5, "IOException: the disk was full", CancellationToken.None);
        var bad = await deadLetters.SendQueueMessageAsync(StorageNames.DatasetVersionsQueue, BinaryData.FromString("{not json"), 1, "dead-lettered at once: not an announcement", CancellationToken.None);

        var items = await client.Poison.ListAsync(TriggerCatalog.IndexDatasetVersion);
        Assert.Equal([good, bad], items.Select(i => i.Id));
        Assert.Equal((5L, "IOException: the disk was full"), (items[0].Attempts, items[0].Error));
        var (shown, showText) = await CliRun.RunAsync("poison", "show", good, "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix);
        Assert.True(shown == 0, showText);
        Assert.Contains(version.Id, showText, StringComparison.Ordinal);
        Assert.Contains("the disk was full", showText, StringComparison.Ordinal);

        var again = await client.Poison.ReplayAsync(bad);
        Assert.Equal(PoisonReplayResult.FailedAgain, again.Outcome);
        Assert.Contains("is not a dataset version announcement", again.Error, StringComparison.Ordinal);
        var replayed = await client.Poison.ReplayAsync(good);
        Assert.Equal(PoisonReplayResult.Replayed, replayed.Outcome);
        var indexId = EmbeddingIndexManifest.IdFor(version.Id, "lexical-ngram", 384);
        Assert.NotNull(await client.Indexes.GetAsync(indexId));

        var left = Assert.Single(await client.Poison.ListAsync());
        Assert.Equal((bad, 1, "{not json"), (left.Id, left.Replays, left.Subject));
        var (discarded, discardText) = await CliRun.RunAsync("poison", "discard", "--id", bad, "--reason", "a test message, never valid", "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix);
        Assert.True(discarded == 0, discardText);
        Assert.Empty(await client.Poison.ListAsync());
        var records = client.Storage.Container(StorageNames.HostContainer);
        var record = await records.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "poisondiscards/" }).SingleAsync();
        var json = JsonDocument.Parse((await records.GetBlobClient(record.Name).DownloadContentAsync()).Value.Content.ToString()).RootElement;
        Assert.Equal(("a test message, never valid", TestIdentity.Principal, "{not json"), (json.GetProperty("reason").GetString(), json.GetProperty("by").GetString(), json.GetProperty("body").GetString()));
        Assert.False(await records.GetBlobClient(PoisonNote.PathFor(StorageNames.DatasetVersionsQueue, bad)).ExistsAsync());

        var (invalid, invalidText) = await CliRun.RunAsync("poison", "discard", "--all", "--id", good, "--reason", "x", "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix);
        Assert.Equal(2, invalid);
        Assert.Contains("--id ID, or every one with --all", invalidText, StringComparison.Ordinal);
        Assert.Equal(4, (await CliRun.RunAsync("poison", "show", "no-such-id", "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix)).Exit);
    }

    [Fact]
    public async Task RawDrop_PoisonedVersion_ReplaysIntoADatasetVersion()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(await File.ReadAllTextAsync(RepositoryRoot.Combine("samples", "support-answers.lifecycle.yaml")), "support-answers.lifecycle.yaml", CancellationToken.None);
        var uploaded = await client.Storage.Container(StorageNames.RawContainer).GetBlobClient("tickets/poisoned.jsonl")
            .UploadAsync(new BinaryData(await File.ReadAllBytesAsync(RepositoryRoot.Combine("samples", "support-tickets.jsonl"))));
        await new DeadLetters(client.Storage, TimeProvider.System).SendBlobAsync(
            TriggerCatalog.IngestDrop, new BlobTriggerInput(StorageNames.RawContainer, "tickets/poisoned.jsonl", uploaded.Value.ETag, new Dictionary<string, string> { ["source"] = "tickets" }), 5, "RequestFailedException: Service request failed. Status: 503", CancellationToken.None);

        var result = await client.Poison.ReplayAsync(Assert.Single(await client.Poison.ListAsync(TriggerCatalog.IngestDrop)).Id);

        Assert.Equal(PoisonReplayResult.Replayed, result.Outcome);
        var version = (await client.Datasets.LatestAsync("tickets"))!;
        Assert.Equal(("raw/tickets/poisoned.jsonl", uploaded.Value.ETag.ToString()), (version.SourceBlob, version.SourceETag));
        Assert.Empty(await client.Poison.ListAsync());
    }
}
