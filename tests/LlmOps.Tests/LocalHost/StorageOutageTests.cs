using System.Net;
using System.Net.Http.Json;
using LlmOps.Development;
using LlmOps.LocalHost;
using LlmOps.Monitoring;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Tests.LocalHost;

/// <summary>A real outage: the host's own Azurite is stopped and started again on the same ports and data folder.</summary>
public sealed class StorageOutageTests
{
    [Fact]
    public async Task StorageOutage_DelaysWorkNotStopsIt_HealthUnhealthyDuringIt()
    {
        var data = Directory.CreateTempSubdirectory("llmops-outage-").FullName;
        var azurite = await AzuriteServer.StartAsync(new AzuriteOptions { DataLocation = data });
        var (blobPort, queuePort, tablePort) = (azurite.BlobEndpoint.Port, azurite.QueueEndpoint.Port, azurite.TableEndpoint.Port);
        var connectionString = azurite.ConnectionString;
        var storage = new StorageAccount(connectionString);
        var container = TestNames.Container("outage");
        var handler = new RecordingBlobHandler();
        var catalog = new FunctionCatalog(
        [
            FunctionDefinition.Blob<RecordingBlobHandler>(TestNames.Function("Count"), container + "/{name}"),
            FunctionDefinition.Http<HealthEndpoint>("Health", "health", FunctionAuthLevel.Anonymous, "GET"),
        ]);
        try
        {
            // Its own Azurite, stopped and started again under it: the sweep alone finds the blobs (no notices from the shared one).
            await using var host = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler), new Dictionary<string, string?> { ["LlmOps:Storage:ConnectionString"] = connectionString }, blobWriteNotices: false);
            using var http = new HttpClient { BaseAddress = host.HttpAddress };
            await storage.Container(container).CreateIfNotExistsAsync();
            await storage.Container(container).UploadBlobAsync("before.jsonl", BinaryData.FromString("{}"));
            await Eventually.UntilAsync(() => handler.Runs.ContainsKey("before.jsonl"), "the blob dropped before the outage");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/api/health", UriKind.Relative))).StatusCode);

            await azurite.DisposeAsync(); // the outage begins
            var during = await Eventually.UntilAsync(
                async () => await http.GetAsync(new Uri("/api/health", UriKind.Relative)),
                response => response.StatusCode == HttpStatusCode.ServiceUnavailable,
                "health to report the faulted listener",
                TimeSpan.FromSeconds(120));
            var report = await during.Content.ReadFromJsonAsync<HealthReport>();
            Assert.Equal("unhealthy", report!.Status);
            Assert.Contains(report.Listeners!, l => l.Status == ListenerState.Faulted && l.Error is not null);

            azurite = await AzuriteServer.StartAsync(new AzuriteOptions { DataLocation = data, BlobPort = blobPort, QueuePort = queuePort, TablePort = tablePort });
            await storage.Container(container).UploadBlobAsync("after.jsonl", BinaryData.FromString("{}"));
            // The listener comes back on its supervisor's backoff (up to 30 s a try) and finds the blob on a sweep: under a
            // loaded full run that took over two minutes once (a fresh-clone CI run), so the deadline is generous.
            await Eventually.UntilAsync(() => handler.Runs.ContainsKey("after.jsonl"), "the blob dropped after the outage", TimeSpan.FromSeconds(300));
            await Eventually.UntilAsync(
                async () => (await http.GetAsync(new Uri("/api/health", UriKind.Relative))).StatusCode,
                status => status == HttpStatusCode.OK,
                "health to recover",
                TimeSpan.FromSeconds(60));
            Assert.Equal(1, handler.Runs["before.jsonl"]);
        }
        finally
        {
            await azurite.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }
}
