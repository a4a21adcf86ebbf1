using System.Net;
using System.Net.Http.Json;
using Azure.Data.Tables;
using LlmOps.Datasets;
using LlmOps.Ingestion;
using LlmOps.LocalHost;
using LlmOps.LocalHost.Worker;
using LlmOps.Monitoring;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tests.Ingestion;
using LlmOps.Triggers;

namespace LlmOps.Tests.EndToEnd;

[Collection(ProductCatalogCollection.Name)]
public sealed class RuntimeProofTests
{
    [Fact]
    public async Task RawDrop_IngestedAndAnnounced_QueueHandlerIndexes_TimerBeats_HealthAnswers()
    {
        var azurite = await SharedAzurite.GetAsync();
        var fixture = await IngestionFixture.CreateAsync(prefix: TestNames.Prefix());
        var storage = fixture.Storage;
        var started = DateTimeOffset.UtcNow;
        await using var host = await TestHosts.StartAsync(
            FunctionCatalog.Product,
            configuration: new Dictionary<string, string?> { [TriggerCatalog.HeartbeatScheduleSetting] = "* * * * * *" },
            prefix: storage.Prefix);

        var (name, etag) = await fixture.DropAsync("tickets.jsonl", System.Text.Encoding.UTF8.GetBytes(
            "{\"id\":\"T-1\",\"body\":\"The export fails for me, reach me at sam@example.com\"}\n{\"id\":\"T-2\",\"body\":\"Second ticket text\"}\n"), StorageNames.RawContainer);

        var ingestion = await Eventually.UntilAsync(
            () => GetAsync<IngestionRecord>(storage.Table(StorageNames.IngestionsTable), fixture.Source, TableKey.Encode($"{name}|{etag}")), r => r is not null, "the ingestion record");
        var indexed = await Eventually.UntilAsync(
            () => GetAsync<DatasetVersionEntry>(storage.Table(StorageNames.DatasetVersionsTable), fixture.Source, TableKey.Encode(ingestion!.VersionId!.Split('@')[1])),
            e => e is not null,
            "the version indexed by the queue handler");
        var beats = await Eventually.UntilAsync(() => BeatsSinceAsync(storage.Table(StorageNames.HeartbeatsTable), started), b => b.Count == 1, "a heartbeat");

        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        using var response = await http.GetAsync(new Uri("/api/health", UriKind.Relative));
        var health = await response.Content.ReadFromJsonAsync<HealthReport>();

        // Every trigger ran in the Functions app's worker process, with the storage prefix applied once (the blob
        // adapter hands its handler the catalog's container, not the prefixed one it was bound to).
        Assert.Equal(1, host.Worker.Starts);
        Assert.NotEqual(Environment.ProcessId, host.Worker.ProcessId);
        Assert.Contains(health!.Listeners!, l => l.Function == FunctionWorker.HealthName && l.Status == ListenerState.Listening);
        Assert.Equal(nameof(IngestionStatus.Published), ingestion!.Status);
        Assert.Equal(2, ingestion.Accepted);
        Assert.Equal(ingestion.VersionId, indexed!.VersionId);
        Assert.Equal(2, indexed.Records);
        Assert.False(beats[0].IsPastDue);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", health!.Status);
        Assert.Equal(HealthEndpoint.ProductVersion, health.Version);
        Assert.Equal(azurite.BlobEndpoint.ToString().TrimEnd('/'), health.BlobEndpoint.TrimEnd('/'));
        Assert.Equal(azurite.QueueEndpoint.ToString().TrimEnd('/'), health.QueueEndpoint.TrimEnd('/'));
        Assert.Equal(azurite.TableEndpoint.ToString().TrimEnd('/'), health.TableEndpoint.TrimEnd('/'));
    }

    [Fact]
    public async Task UnreadableDrop_QuarantinedWhole_HostKeepsRunning()
    {
        var fixture = await IngestionFixture.CreateAsync(prefix: TestNames.Prefix());
        await using var host = await TestHosts.StartAsync(FunctionCatalog.Product, prefix: fixture.Storage.Prefix);
        var (badName, badETag) = await fixture.DropAsync("broken.parquet", [1, 2, 3, 4], StorageNames.RawContainer);
        var (goodName, goodETag) = await fixture.DropAsync("good.jsonl", "{\"id\":\"T-5\",\"body\":\"good body here\"}\n"u8.ToArray(), StorageNames.RawContainer);

        var table = fixture.Storage.Table(StorageNames.IngestionsTable);
        var bad = await Eventually.UntilAsync(() => GetAsync<IngestionRecord>(table, fixture.Source, TableKey.Encode($"{badName}|{badETag}")), r => r is not null, "the broken drop's record");
        var good = await Eventually.UntilAsync(() => GetAsync<IngestionRecord>(table, fixture.Source, TableKey.Encode($"{goodName}|{goodETag}")), r => r is not null, "the good drop's record");

        Assert.Equal(nameof(IngestionStatus.Unreadable), bad!.Status);
        Assert.Equal(nameof(IngestionStatus.Published), good!.Status);
        Assert.Equal(0, host.Diagnostics.Get(HostDiagnostics.BlobFailed, TriggerCatalog.IngestDrop));
    }

    private static async Task<List<Heartbeat>> BeatsSinceAsync(TableClient table, DateTimeOffset since)
    {
        try
        {
            return await table.QueryAsync<Heartbeat>(b => b.RecordedAt >= since).Take(1).ToListAsync();
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }
    }

    private static async Task<T?> GetAsync<T>(TableClient table, string partitionKey, string rowKey)
        where T : class, ITableEntity
    {
        try
        {
            var found = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey);
            return found.HasValue ? found.Value : null;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}
