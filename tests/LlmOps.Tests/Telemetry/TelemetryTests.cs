using System.Diagnostics;
using System.Text;
using LlmOps.Ingestion;
using LlmOps.LocalHost;
using LlmOps.Telemetry;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tests.Ingestion;
using LlmOps.Tests.LocalHost;
using LlmOps.Triggers;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace LlmOps.Tests.Telemetry;

/// <summary>
/// The telemetry of one invocation, caught with OpenTelemetry's in-memory exporters: the span tree from the host's
/// invocation down to the handler's steps, and the metric points it adds. Other tests run beside these and emit too,
/// so every assertion picks this test's own function, source and trace.
/// </summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task OneDrop_OneTraceFromTheInvocationToEachEtlStep_AndItsMetricPoints()
    {
        var spans = new LockedCollection<Activity>();
        var metrics = new LockedCollection<MetricSnapshot>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(LlmOpsTelemetry.SourceNames).AddInMemoryExporter(spans).Build();
        using var metering = Sdk.CreateMeterProviderBuilder().AddMeter(LlmOpsTelemetry.MeterName).AddInMemoryExporter(metrics).Build();
        var fixture = await IngestionFixture.CreateAsync();
        var function = TestNames.Function("Traced");
        var catalog = new FunctionCatalog([FunctionDefinition.Blob<IngestDropHandler>(function, fixture.DropContainer + "/{source}/{name}")]);
        await using var host = await TestHosts.StartAsync(catalog);

        var drop = Encoding.UTF8.GetBytes(string.Join('\n',
            """{"id":"T-1","channel":"email","body":"The export times out after 60 seconds."}""",
            """{"id":"T-2","channel":"chat","body":"Please reset my password."}""",
            """{"id":"T-3","channel":"phone","body":"The invoice total is wrong."}""",
            """{"id":"T-4","channel":"fax","body":"A channel the lifecycle does not allow."}""") + "\n");
        var (blob, _) = await fixture.DropAsync("traced.jsonl", drop);
        await Eventually.UntilAsync(() => host.Diagnostics.Get(HostDiagnostics.BlobSucceeded, function) == 1, "the drop to be ingested");
        tracing.ForceFlush();
        metering.ForceFlush();

        // The invocation: a root span named after the function, with its trigger, input, attempt and outcome.
        var invocation = Assert.Single(Snapshot(spans), s => s.Source.Name == "LlmOps.Functions" && s.DisplayName == function);
        Assert.Equal(default, invocation.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, invocation.Kind);
        Assert.Equal(ActivityStatusCode.Ok, invocation.Status);
        Assert.Equal("blob", invocation.GetTagItem("llmops.trigger"));
        Assert.Equal("datasource", invocation.GetTagItem("faas.trigger"));
        Assert.Equal($"{fixture.DropContainer}/{blob}", invocation.GetTagItem("llmops.input.id"));
        Assert.Equal(1L, invocation.GetTagItem("llmops.attempt"));
        Assert.Equal("succeeded", invocation.GetTagItem("llmops.outcome"));
        Assert.Equal(InvocationTelemetry.LocalHost, invocation.GetTagItem("llmops.host"));

        // Under it the ingestion, and under that each of its steps, in order, all in the one trace.
        var trace = Snapshot(spans).Where(s => s.TraceId == invocation.TraceId).ToList();
        var ingest = Assert.Single(trace, s => s.ParentSpanId == invocation.SpanId);
        Assert.Equal("LlmOps.Ingestion", ingest.Source.Name);
        Assert.Equal("ingest " + fixture.Source, ingest.DisplayName);
        Assert.Equal("Published", ingest.GetTagItem("llmops.ingestion.status"));
        var steps = trace.Where(s => s.ParentSpanId == ingest.SpanId).OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(["etl", "publish", "lineage", "announce"], steps.Select(s => s.DisplayName));
        var etl = steps[0];
        Assert.Equal(4L, etl.GetTagItem("llmops.records.read"));
        Assert.Equal(3L, etl.GetTagItem("llmops.records.accepted"));
        Assert.Equal(1L, etl.GetTagItem("llmops.records.quarantined"));
        Assert.Equal((long)drop.Length, etl.GetTagItem("llmops.bytes"));
        Assert.Equal([function, "announce", "etl", "ingest " + fixture.Source, "lineage", "publish"], trace.Select(s => s.DisplayName).Order(StringComparer.Ordinal));

        // The metric points of this function and this source, one invocation's worth.
        var own = new KeyValuePair<string, object?>("llmops.function", function);
        var source = new KeyValuePair<string, object?>("llmops.source", fixture.Source);
        Assert.Equal(1, Sum(metrics, "llmops.function.invocations", own, new("llmops.outcome", "succeeded")));
        Assert.Equal(0, Sum(metrics, "llmops.function.failures", own));
        Assert.Equal(1, HistogramCount(metrics, "llmops.function.duration", own));
        Assert.Equal(1, HistogramCount(metrics, "llmops.blob.trigger_lag", own));
        Assert.Equal(3, Sum(metrics, "llmops.etl.records", source, new("llmops.status", "accepted")));
        Assert.Equal(1, Sum(metrics, "llmops.etl.records", source, new("llmops.status", "quarantined")));
        Assert.Equal(drop.Length, Sum(metrics, "llmops.etl.bytes", source));
        Assert.Equal(1, HistogramCount(metrics, "llmops.etl.throughput", source));
    }

    [Fact]
    public async Task FailingThenPoisonedBlob_EachAttemptASpanWithItsError_FailuresCounted()
    {
        var spans = new LockedCollection<Activity>();
        var metrics = new LockedCollection<MetricSnapshot>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(LlmOpsTelemetry.SourceNames).AddInMemoryExporter(spans).Build();
        using var metering = Sdk.CreateMeterProviderBuilder().AddMeter(LlmOpsTelemetry.MeterName).AddInMemoryExporter(metrics).Build();
        var storage = await SharedAzurite.AccountAsync();
        var container = TestNames.Container("traced");
        var function = TestNames.Function("Failing");
        var hostJson = Path.Combine(Directory.CreateTempSubdirectory("llmops-traced-").FullName, "host.json");
        await File.WriteAllTextAsync(hostJson, """{ "version": "2.0", "extensions": { "blobs": { "poisonBlobThreshold": 2 } } }""");
        await using var host = await TestHosts.StartAsync(
            new FunctionCatalog([FunctionDefinition.Blob<ThrowingBlobHandler>(function, container + "/{name}")]),
            s => s.AddSingleton(new ThrowingBlobHandler()),
            new Dictionary<string, string?> { ["LlmOps:Host:HostJsonPath"] = hostJson });
        await storage.Container(container).CreateIfNotExistsAsync();
        await storage.Container(container).UploadBlobAsync("bad.bin", BinaryData.FromString("x"));

        await Eventually.UntilAsync(() => host.Diagnostics.Get(HostDiagnostics.BlobPoisoned, function) == 1, "the blob to be poisoned");
        tracing.ForceFlush();
        metering.ForceFlush();

        var attempts = Snapshot(spans).Where(s => s.DisplayName == function).OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal([1L, 2L], attempts.Select(s => (long)s.GetTagItem("llmops.attempt")!));
        Assert.All(attempts, span =>
        {
            Assert.Equal(ActivityStatusCode.Error, span.Status);
            Assert.Equal("failed", span.GetTagItem("llmops.outcome"));
            Assert.Contains(span.Events, e => e.Name == "exception");
        });
        var own = new KeyValuePair<string, object?>("llmops.function", function);
        Assert.Equal(2, Sum(metrics, "llmops.function.invocations", own, new("llmops.outcome", "failed")));
        Assert.Equal(2, Sum(metrics, "llmops.function.failures", own));
    }

    [Fact]
    public async Task FunctionRunInTheWorker_BothHostsExportOverOtlp_TheWorkersSpanJoinsTheHostsTrace()
    {
        using var collector = new OtlpReceiver();
        var prefix = TestNames.Prefix();
        await using var host = await TestHosts.StartAsync(
            new FunctionCatalog(TriggerCatalog.All.Where(f => f.Name == TriggerCatalog.Status).ToList()),
            prefix: prefix,
            configuration: new Dictionary<string, string?>
            {
                ["LlmOps:Telemetry:OtlpEndpoint"] = collector.Endpoint.AbsoluteUri,
                ["LlmOps:Telemetry:MetricInterval"] = "00:00:01",
            });
        await host.Worker.WaitUntilReadyAsync(CancellationToken.None);
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        http.DefaultRequestHeaders.Add(HttpTriggerEndpoints.KeyHeader, (await host.GetKeysAsync()).FunctionKey);

        using var response = await http.GetAsync(new Uri("/api/status", UriKind.Relative));
        Assert.True(response.IsSuccessStatusCode, $"GET /api/status answered {(int)response.StatusCode}");

        // The local host's span for the request (it proxies to the worker) and the worker's own, in one trace.
        var (hostSpan, workerSpan) = await Eventually.UntilAsync(
            () =>
            {
                var spans = collector.Spans.Where(s => s.Name == TriggerCatalog.Status).ToList();
                var hostSide = spans.FirstOrDefault(s => Equals(s.Attributes.GetValueOrDefault("llmops.host"), InvocationTelemetry.LocalHost) && Equals(s.Resource.GetValueOrDefault("service.name"), "llmops-local-host"));
                var workerSide = spans.FirstOrDefault(s => hostSide is not null && s.TraceId == hostSide.TraceId && Equals(s.Attributes.GetValueOrDefault("llmops.host"), InvocationTelemetry.Worker));
                return Task.FromResult((hostSide, workerSide));
            },
            pair => pair.workerSide is not null,
            "the worker's Status span in the host's trace");
        // From the worker process: the Functions worker's OpenTelemetry defaults name the service after the app.
        Assert.Equal("LlmOps.Functions", workerSpan!.Resource["service.name"]);
        Assert.Equal("http", workerSpan.Attributes["llmops.trigger"]);
        Assert.Equal("succeeded", workerSpan.Attributes["llmops.outcome"]);
        Assert.Equal(200L, workerSpan.Attributes["http.response.status_code"]);
        Assert.Equal("succeeded", hostSpan!.Attributes["llmops.outcome"]);
        Assert.NotEqual(hostSpan.SpanId, workerSpan.SpanId);
        Assert.True(workerSpan.StartUnixNano >= hostSpan.StartUnixNano && workerSpan.EndUnixNano <= hostSpan.EndUnixNano, "the worker's span runs within the host's");
        await Eventually.UntilAsync(() => collector.MetricExports > 0, "a metric export");
    }

    private static List<Activity> Snapshot(LockedCollection<Activity> spans) => spans.Snapshot();

    /// <summary>The newest exported value of a counter, summed over the points carrying every one of <paramref name="tags"/>.</summary>
    internal static long Sum(LockedCollection<MetricSnapshot> metrics, string name, params KeyValuePair<string, object?>[] tags) =>
        Points(metrics, name, tags).Sum(p => p.GetSumLong());

    internal static long HistogramCount(LockedCollection<MetricSnapshot> metrics, string name, params KeyValuePair<string, object?>[] tags) =>
        Points(metrics, name, tags).Sum(p => p.GetHistogramCount());

    private static List<MetricPoint> Points(LockedCollection<MetricSnapshot> metrics, string name, KeyValuePair<string, object?>[] tags)
    {
        var latest = metrics.Snapshot().LastOrDefault(m => m.Name == name);

        if (latest is null)
        {
            return [];
        }

        return latest.MetricPoints.Where(point =>
        {
            var own = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in point.Tags)
            {
                own[tag.Key] = tag.Value;
            }

            return tags.All(t => own.TryGetValue(t.Key, out var value) && Equals(value, t.Value));
        }).ToList();
    }
}
