using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Azure.Storage.Blobs;
using LlmOps.LocalHost;
using LlmOps.LocalHost.Worker;
using LlmOps.Monitoring;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;

namespace LlmOps.Tests.LocalHost;

/// <summary>
/// The host's semantics through a real isolated worker (tests/LlmOps.Tests.Worker, built with the same Worker SDK as
/// the app): its probe functions journal each start and completion, and can be held mid-invocation, so the worker
/// can be killed or frozen at a known point.
/// </summary>
public sealed class FunctionWorkerTests
{
    private static readonly string ProbeWorker =
        typeof(FunctionWorkerTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProbeWorkerPath").Value!;

    private static readonly FunctionDefinition ProbeBlob = FunctionDefinition.Blob<RecordingBlobHandler>("ProbeBlob", "probe/{name}");

    private static readonly FunctionDefinition ProbeQueue = FunctionDefinition.Queue<RecordingQueueHandler>("ProbeQueue", "probe-queue");

    [Fact]
    public async Task WorkerKilledMidBlobInvocation_IsRestarted_BlobRunsAgain_CompletesOnce()
    {
        await using var probe = await ProbeAsync();
        await probe.Storage.Container("probe").GetBlobClient("a.txt").UploadAsync(BinaryData.FromString("hold"));
        await probe.WaitForAsync("started", "a.txt", 1);
        var first = probe.Host.Worker.ProcessId;

        Process.GetProcessById(first).Kill(); // SIGKILL: no chance to answer or clean up
        await Eventually.UntilAsync(() => probe.Host.Worker.Starts == 2 && probe.Host.Worker.State == WorkerState.Ready, "a second worker");
        await probe.WaitForAsync("started", "a.txt", 2);
        await probe.ReleaseAsync("a.txt");

        await Eventually.UntilAsync(() => probe.Host.Diagnostics.Get(HostDiagnostics.BlobSucceeded, ProbeBlob.Name) == 1, "the blob's receipt completed");
        Assert.NotEqual(first, probe.Host.Worker.ProcessId);
        Assert.Equal(1, await probe.CountAsync("completed", "a.txt"));
        Assert.Equal(2, await probe.CountAsync("started", "a.txt"));
        Assert.Equal(1, probe.Host.Diagnostics.Get(HostDiagnostics.BlobFailed, ProbeBlob.Name));
    }

    [Fact]
    public async Task WorkerKilledMidQueueInvocation_MessageRedelivered_CompletesOnce()
    {
        await using var probe = await ProbeAsync();
        await probe.Storage.Queue("probe-queue").SendMessageAsync("hold m1");
        await probe.WaitForAsync("started", "m1", 1);

        Process.GetProcessById(probe.Host.Worker.ProcessId).Kill();
        await probe.WaitForAsync("started", "m1", 2);
        await probe.ReleaseAsync("m1");

        await Eventually.UntilAsync(() => probe.Host.Diagnostics.Get(HostDiagnostics.QueueSucceeded, ProbeQueue.Name) == 1, "the message deleted as done");
        Assert.Equal(2, probe.Host.Worker.Starts);
        Assert.Equal(1, await probe.CountAsync("completed", "m1"));
        Assert.Equal(1, probe.Host.Diagnostics.Get(HostDiagnostics.QueueFailed, ProbeQueue.Name));
        Assert.Equal(0, (await probe.Storage.Queue("probe-queue").GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task FunctionThatThrowsInTheWorker_RetriedThenPoisoned_WithItsError()
    {
        await using var probe = await ProbeAsync();
        var blob = await probe.Storage.Container("probe").GetBlobClient("bad.txt").UploadAsync(BinaryData.FromString("throw"));

        var poison = await Eventually.UntilAsync(
            async () => (await probe.Storage.Queue(StorageNames.BlobPoisonQueue).ReceiveMessagesAsync(1)).Value,
            m => m.Length == 1,
            "the blob on blob-poison");

        var message = JsonSerializer.Deserialize<BlobPoisonMessage>(poison[0].Body.ToString(), JsonSerializerOptions.Web)!;
        Assert.Equal(ProbeBlob.Name, message.FunctionName);
        Assert.Equal("bad.txt", message.BlobName);
        Assert.Equal(5, message.Attempts);
        Assert.Contains("probe failure for bad.txt", message.Error, StringComparison.Ordinal);
        Assert.Equal(5, await probe.CountAsync("started", "bad.txt"));
        Assert.Equal(0, await probe.CountAsync("completed", "bad.txt"));
        Assert.Equal(1, probe.Host.Worker.Starts); // a failing function is not a failing worker
    }

    [Fact]
    public async Task HungWorker_IsDetectedAndReplaced_HealthSays503WhileItIsDown()
    {
        await using var probe = await ProbeAsync();
        using var http = new HttpClient { BaseAddress = probe.Host.HttpAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/api/health", UriKind.Relative))).StatusCode);
        var frozen = Process.GetProcessById(probe.Host.Worker.ProcessId);

        Signal("-STOP", frozen.Id); // alive, but answers nothing
        var sawDown = false;
        await Eventually.UntilAsync(
            async () =>
            {
                using var response = await http.GetAsync(new Uri("/api/health", UriKind.Relative));
                var report = await response.Content.ReadFromJsonAsync<HealthReport>();
                sawDown |= response.StatusCode == HttpStatusCode.ServiceUnavailable
                    && report!.Listeners!.Any(l => l.Function == FunctionWorker.HealthName && l.Status == ListenerState.Faulted);
                return probe.Host.Worker.Starts == 2 && probe.Host.Worker.State == WorkerState.Ready;
            },
            ready => ready,
            "the hung worker replaced");

        Assert.True(sawDown, "/api/health did not answer 503 with the worker faulted while it was down");
        Assert.True(frozen.WaitForExit(TimeSpan.FromSeconds(10)), "the hung worker was not killed");
        Assert.Equal(1, probe.Host.Diagnostics.Get(HostDiagnostics.WorkerHung, "worker"));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/api/health", UriKind.Relative))).StatusCode);

        // The new worker works.
        await probe.Storage.Container("probe").GetBlobClient("after.txt").UploadAsync(BinaryData.FromString("go"));
        await probe.WaitForAsync("completed", "after.txt", 1);
    }

    [Fact]
    public async Task Stop_SendsWorkerTerminate_WorkerExitsByItself()
    {
        // Beside a busy test run a worker can take more than the default 5 s to wind down after WorkerTerminate.
        var probe = await ProbeAsync(terminateGrace: "00:00:30");
        var worker = probe.Host.Worker;
        var process = Process.GetProcessById(worker.ProcessId);

        await probe.DisposeAsync();

        Assert.True(process.HasExited);
        Assert.Equal(0, worker.LastExitCode);
        Assert.Equal(WorkerState.Stopped, worker.State);
    }

    [Fact]
    public async Task Start_WithTheAppNotBuilt_FailsSayingWhatToBuild_BeforeListening()
    {
        var settings = new LocalFunctionHostSettings { Catalog = new FunctionCatalog([ProbeBlob]) { InWorker = _ => true } };
        settings.Configuration["LlmOps:Storage:ConnectionString"] = (await SharedAzurite.GetAsync()).ConnectionString;
        settings.Configuration["LlmOps:Host:HttpPort"] = "0";
        settings.Configuration["LlmOps:Host:WorkerPath"] = Path.Combine(Path.GetTempPath(), "no-such-app", "LlmOps.Functions.dll");
        await using var host = LocalFunctionHost.Create(settings);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("build functions/LlmOps.Functions", error.Message, StringComparison.Ordinal);
        Assert.Null(host.HttpAddress);
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static async Task<Probe> ProbeAsync(string terminateGrace = "00:00:05")
    {
        var prefix = TestNames.Prefix();
        var storage = await SharedAzurite.AccountAsync(prefix);
        await storage.Container("probe").CreateIfNotExistsAsync();
        await storage.Container("probe-journal").CreateIfNotExistsAsync();
        await storage.Queue("probe-queue").CreateIfNotExistsAsync();
        var catalog = new FunctionCatalog([ProbeBlob, ProbeQueue, FunctionDefinition.Http<HealthEndpoint>(TriggerCatalog.Health, "health", FunctionAuthLevel.Anonymous, "GET")])
        {
            InWorker = f => f.Name.StartsWith("Probe", StringComparison.Ordinal),
        };
        var host = await TestHosts.StartAsync(
            catalog,
            prefix: prefix,
            configuration: new Dictionary<string, string?>
            {
                ["LlmOps:Host:WorkerPath"] = ProbeWorker,
                ["LlmOps:Host:WorkerStatusInterval"] = "00:00:00.250",
                ["LlmOps:Host:WorkerHangTimeout"] = "00:00:05",
                ["LlmOps:Host:WorkerTerminateGrace"] = terminateGrace,
            });
        await host.Worker.WaitUntilReadyAsync(CancellationToken.None);
        return new Probe(host, storage);
    }

    private sealed record Probe(LocalFunctionHost Host, StorageAccount Storage) : IAsyncDisposable
    {
        private BlobContainerClient Journal => Storage.Container("probe-journal");

        public async Task<int> CountAsync(string stage, string name) =>
            await Journal.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = $"{stage}/{name}/" }).CountAsync();

        public Task<int> WaitForAsync(string stage, string name, int count) =>
            Eventually.UntilAsync(() => CountAsync(stage, name), n => n >= count, $"{count} '{stage}' of {name}");

        public Task<Azure.Response<Azure.Storage.Blobs.Models.BlobContentInfo>> ReleaseAsync(string name) => Journal.GetBlobClient($"release/{name}").UploadAsync(BinaryData.FromString(""));

        public ValueTask DisposeAsync() => Host.DisposeAsync();
    }
}
