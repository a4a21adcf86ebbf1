using System.Net;
using System.Net.Http.Json;
using Azure.Data.Tables;
using LlmOps.Ingestion;
using LlmOps.LocalHost;
using LlmOps.Monitoring;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;

namespace LlmOps.Tests.EndToEnd;

[Collection(ProductCatalogCollection.Name)]
public sealed class RuntimeProofTests
{
    [Fact]
    public async Task RawDrop_RecordsDrop_QueueHandlerAcknowledges_TimerBeats_HealthAnswers()
    {
        var azurite = await SharedAzurite.GetAsync();
        var storage = new StorageAccount(azurite.ConnectionString);
        var started = DateTimeOffset.UtcNow;
        await using var host = await TestHosts.StartAsync(
            FunctionCatalog.Product,
            configuration: new Dictionary<string, string?> { [TriggerCatalog.HeartbeatScheduleSetting] = "* * * * * *" });

        var name = $"e2e-{Guid.NewGuid():N}/tickets.jsonl";
        var source = name.Split('/')[0];
        var raw = storage.Container(StorageNames.RawContainer);
        await raw.CreateIfNotExistsAsync();
        var uploaded = await raw.GetBlobClient(name).UploadAsync(BinaryData.FromString("{\"id\":1}\n"));
        var rowKey = TableKey.Encode($"{name}|{uploaded.Value.ETag}");

        var drop = await Eventually.UntilAsync(
            () => GetAsync<DropRecord>(storage.Table(StorageNames.DropsTable), source, rowKey), d => d is not null, "the drop record");
        var ack = await Eventually.UntilAsync(
            () => GetAsync<DropAcknowledgement>(storage.Table(StorageNames.DropAcknowledgementsTable), source, rowKey), a => a is not null, "the acknowledgement record");
        var beats = await Eventually.UntilAsync(
            () => BeatsSinceAsync(storage.Table(StorageNames.HeartbeatsTable), started),
            b => b.Count == 1,
            "a heartbeat");

        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        using var response = await http.GetAsync(new Uri("/api/health", UriKind.Relative));
        var health = await response.Content.ReadFromJsonAsync<HealthReport>();

        Assert.Equal(uploaded.Value.ETag.ToString(), drop!.BlobETag);
        Assert.Equal(name, ack!.BlobName);
        Assert.False(string.IsNullOrEmpty(ack.MessageId));
        Assert.False(beats[0].IsPastDue);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", health!.Status);
        Assert.Equal(HealthEndpoint.ProductVersion, health.Version);
        Assert.Equal(azurite.BlobEndpoint.ToString().TrimEnd('/'), health.BlobEndpoint.TrimEnd('/'));
        Assert.Equal(azurite.QueueEndpoint.ToString().TrimEnd('/'), health.QueueEndpoint.TrimEnd('/'));
        Assert.Equal(azurite.TableEndpoint.ToString().TrimEnd('/'), health.TableEndpoint.TrimEnd('/'));
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
