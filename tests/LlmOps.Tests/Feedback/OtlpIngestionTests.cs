using System.Text.Json;
using LlmOps.Development;
using LlmOps.Embeddings;
using LlmOps.Evaluation;
using LlmOps.Feedback.Otlp;
using LlmOps.LocalHost;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LlmOps.Tests.Feedback;

/// <summary>
/// An application instrumented with Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c> and the real OTLP exporter
/// (HttpProtobuf) reports to the local host's <c>/api/v1/traces</c> with no code of ours: its chat calls over the
/// Azure OpenAI fake become traces (model, tokens, latency, messages, a failed call as an error), and the JSON
/// encoding of OTLP reads the same.
/// </summary>
public sealed class OtlpIngestionTests
{
    [Fact]
    public async Task RealOtlpExporter_ChatClientSpans_BecomeTraces()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("support").Source("tickets", idField: "id").Section("""
            costs:
              gpt-test: { input_per_1k: 0.001, output_per_1k: 0.002 }
            """).Build(), "support.yaml", CancellationToken.None);
        await using var openAi = await FakeAzureOpenAIServer.StartAsync();
        await using var host = await TestHosts.StartAsync(new FunctionCatalog(TriggerCatalog.All.Where(f => f.Name == TriggerCatalog.OtlpTraces).ToList()), prefix: prefix);
        var key = (await host.GetKeysAsync()).FunctionKey;
        var source = "app-" + Guid.NewGuid().ToString("N")[..8];

        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("support-bot").AddAttributes([new("llmops.feature", "support")]))
            .AddSource(source)
            .AddOtlpExporter(o =>
            {
                o.Endpoint = new Uri(host.HttpAddress!, "/api/v1/traces");
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Headers = $"{HttpTriggerEndpoints.KeyHeader}={key}";
                o.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build())
        {
            var model = new ChatClientFactory(Options.Create(new AzureOpenAIOptions { Endpoint = openAi.Endpoint, ApiKey = FakeAzureOpenAIServer.ApiKey, MaxRetries = 0 })).Create("gpt-test");
            using var chat = new ChatClientBuilder(model).UseOpenTelemetry(sourceName: source, configure: c => c.EnableSensitiveData = true).Build();
            var answer = await chat.GetResponseAsync("From [tickets:T-1001#0000] the reset link expired. How do I reset my password?");
            Assert.Contains("reset link expired", answer.Text, StringComparison.Ordinal);
            await Assert.ThrowsAnyAsync<Exception>(() => chat.GetResponseAsync("FILTER-PROMPT please"));
            Assert.True(tracing.ForceFlush(10_000));
        }

        var rows = await Eventually.UntilAsync(
            async () =>
            {
                using var query = await client.FeedbackAnalytics.OpenAsync("support", DateTimeOffset.UtcNow.AddHours(-1));
                return query.Rows("SELECT Id, Model, Provider, InputTokens, OutputTokens, CostUsd, Status, Input, Output, LatencyMs FROM traces ORDER BY Status DESC");
            },
            found => found.Count == 2,
            "two traces from the exporter");
        var ok = rows.Single(r => (string)r["Status"]! == "ok");
        Assert.Equal("gpt-test", ok["Model"]);
        Assert.True((long)ok["InputTokens"]! > 0 && (long)ok["OutputTokens"]! > 0);
        Assert.Equal((((long)ok["InputTokens"]! * 0.001) + ((long)ok["OutputTokens"]! * 0.002)) / 1000, (double)ok["CostUsd"]!, 12);
        Assert.True((double)ok["LatencyMs"]! > 0);
        Assert.Contains("How do I reset my password?", (string)ok["Input"]!, StringComparison.Ordinal);
        Assert.Contains("reset link expired", (string)ok["Output"]!, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{32}-[0-9a-f]{16}$", (string)ok["Id"]!);
        var (stored, _) = await client.Feedback.GetAsync((string)ok["Id"]!);
        Assert.Equal("support", stored!.Feature);
        Assert.Equal("error", rows.Single(r => (string)r["Status"]! == "error")["Status"]);
    }

    [Fact]
    public void Reader_OtlpJson_SameSpansAsTheSpecShowsThem()
    {
        var json = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"support"}}]},
              "scopeSpans":[{"scope":{"name":"app"},"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174",
                "name":"chat gpt-4o","kind":3,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000250000000",
                "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
                  {"key":"gen_ai.usage.input_tokens","value":{"intValue":"120"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":30}},
                  {"key":"gen_ai.response.finish_reasons","value":{"arrayValue":{"values":[{"stringValue":"content_filter"}]}}}],
                "status":{"code":2,"message":"boom"}},
               {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"AAA19B7EC3C1B174","name":"http get","attributes":[]}]}]}]}
            """;
        var spans = OtlpTraceReader.Read(System.Text.Encoding.UTF8.GetBytes(json), json: true);
        Assert.Equal(2, spans.Count);
        Assert.True(GenAiSpanMapper.IsModelCall(spans[0]));
        Assert.False(GenAiSpanMapper.IsModelCall(spans[1]));
        var trace = GenAiSpanMapper.Map(spans[0], new LlmOps.Governance.SubjectKey(new byte[32]));
        Assert.Equal("5b8efff798038103d269b633813fc60c-eee19b7ec3c1b174", trace.Id);
        Assert.Equal(("support", "gpt-4o", 120L, 30L, 250.0), (trace.Feature, trace.Model, trace.InputTokens!.Value, trace.OutputTokens!.Value, trace.LatencyMs!.Value));
        Assert.Equal(("error", "boom"), (trace.Status, trace.Error));
        Assert.Equal(["content_filter"], trace.SafetyFlags);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), trace.Time);
        Assert.Throws<FormatException>(() => OtlpTraceReader.Read(new byte[] { 0x0A, 0xFF, 0x01 }, json: false));
    }
}
