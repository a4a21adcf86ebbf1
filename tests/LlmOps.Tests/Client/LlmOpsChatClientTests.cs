using LlmOps.Client;
using LlmOps.Development;
using LlmOps.Embeddings;
using LlmOps.Evaluation;
using LlmOps.LocalHost;
using LlmOps.Registry;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace LlmOps.Tests.Client;

/// <summary>
/// The LlmOps.Client middleware in front of the OpenAI client talking to the loopback Azure OpenAI fake, against a
/// local Functions host on Azurite: the deployed prompt is rendered and sent, the guardrails redact and block, one span
/// per call arrives through the real OTLP receiver with the prompt version, tokens (cached and reasoning) and cost,
/// shadow answers arrive marked and stay out of the statistics, canary routing by unit agrees with the server, an
/// embedding call is recorded, and with the host stopped the app keeps answering with the last version while its
/// spans wait, to arrive after the restart.
/// </summary>
public sealed class LlmOpsChatClientTests : IAsyncLifetime
{
    private const string Template = "Answer only from these tickets and cite the one you used.\n\n{{context}}";
    private const string Context = "[tickets:T-1001#0000] The reset link expired after 24 hours; a new link fixes it.";
    private readonly string _prefix = TestNames.Prefix();
    private readonly string _feature = "mw-" + Guid.NewGuid().ToString("N")[..8];
    private LlmOpsClient _client = null!;
    private FakeAzureOpenAIServer _openAi = null!;

    private string Prompt => "prompt:" + _feature;

    public async Task InitializeAsync()
    {
        var azurite = await SharedAzurite.GetAsync();
        _client = new LlmOpsClient(azurite.ConnectionString, _prefix);
        await _client.ProvisionAsync();
        await _client.Lifecycles.PublishAsync(new LifecycleBuilder(_feature).Source("tickets", idField: "id").Section("""
            costs:
              gpt-test: { input_per_1k: 0.001, output_per_1k: 0.002, cached_input_per_1k: 0.0005 }
              lexical-ngram: { input_per_1k: 0.0001, output_per_1k: 0 }
            gates:
              canary:
                - { metric: thumbs_up_rate, min_absolute_change: -0.05 }
                - { metric: error_rate, min_absolute_change: 0, min_requests: 5 }
                - { metric: cost_per_request, min_relative_change: -0.5, min_requests: 5 }
            guardrails:
              input: { pii: redact, injection: block }
              output: { pii: redact, citations: flag }
            """).Build(), "mw.yaml", CancellationToken.None);
        var run = await _client.Tracker.StartRunAsync("prompt-authoring", new LlmOps.Tracking.RunStart { Name = "ci" });
        await _client.Tracker.EndRunAsync(run.Id, LlmOps.Tracking.RunStatus.Finished);
        foreach (var words in new[] { Template, Template.Replace("Answer only", "Reply only", StringComparison.Ordinal) })
        {
            await _client.Registry.RegisterAsync(new RegisterRequest(Prompt, run.Id) { Feature = _feature, Template = words });
        }

        _openAi = await FakeAzureOpenAIServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _openAi.DisposeAsync();
        _client.Dispose();
    }

    [Fact]
    public async Task DeployedPromptRendered_GuardsRedactAndBlock_SpansArriveWithVersionTokensCost_ShadowMarkedAndExcluded()
    {
        var stable = await _client.Registry.DeployAsync(Prompt, 1, "prod", null, (2, 100), "ci");
        await using var host = await StartHostAsync();
        using var chat = Build(host, await KeyAsync(host));
        var llmops = chat.GetService<LlmOpsChatClient>()!;

        var answers = new List<ChatResponse>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await chat.GetResponseAsync(
                $"My reset link does not work, write to bob{i}@example.com",
                new ChatOptions().WithLlmOps($"user-{i}", new Dictionary<string, string> { ["context"] = Context }, ["tickets:T-1001#0000"])));
        }

        Assert.True(llmops.LastResolveError is null, "resolve failed: " + llmops.LastResolveError);
        Assert.All(answers, a => Assert.Contains("reset link expired", a.Text, StringComparison.Ordinal));
        Assert.All(answers, a => Assert.Equal(("prompt:" + _feature + "/1", stable.Id), ((string)a.AdditionalProperties![LlmOpsChatOptions.PromptVersionKey]!, (string)a.AdditionalProperties[LlmOpsChatOptions.DeploymentKey]!)));
        Assert.True(await llmops.FlushAsync()); // the shadows of the five answers have called the model too
        var sent = _openAi.ChatLog.Count;
        var blocked = await Assert.ThrowsAsync<GuardrailBlockedException>(() => chat.GetResponseAsync(
            EvaluationSets.Probes()[0].Input, new ChatOptions().WithLlmOps("attacker", new Dictionary<string, string> { ["context"] = Context })));
        Assert.Equal(LlmOps.Guardrails.GuardStage.Input, blocked.Stage);
        Assert.Equal(sent, _openAi.ChatLog.Count); // the model never saw it
        Assert.True(await llmops.FlushAsync());

        var rows = await Eventually.UntilAsync(
            async () =>
            {
                using var query = await _client.FeedbackAnalytics.OpenAsync(_feature, DateTimeOffset.UtcNow.AddHours(-1));
                return query.Rows("SELECT Id, PromptVersion, Deployment, Model, InputTokens, OutputTokens, CachedInputTokens, ReasoningTokens, CostUsd, Input, SafetyFlags, Shadow, ShadowOf FROM traces");
            },
            found => found.Count == 11,
            "five answers, their five shadows and the blocked call as traces");
        var primary = rows.Where(r => !(bool)r["Shadow"]! && (string)r["Id"]! != blocked.TraceId).ToList();
        Assert.Equal(answers.Select(a => a.LlmOpsTraceId()).Order(StringComparer.Ordinal), primary.Select(r => (string)r["Id"]!).Order(StringComparer.Ordinal));
        foreach (var row in primary)
        {
            Assert.Equal(("prompt:" + _feature + "/1", stable.Id), ((string)row["PromptVersion"]!, (string)row["Deployment"]!));
            var (input, output, cached) = ((long)row["InputTokens"]!, (long)row["OutputTokens"]!, (long)row["CachedInputTokens"]!);
            Assert.True(input > 0 && output > 0);
            Assert.Equal((FakeAzureOpenAIServer.CachedPromptTokens, FakeAzureOpenAIServer.ReasoningTokens), (cached, (long)row["ReasoningTokens"]!));
            Assert.Equal((((input - cached) * 0.001) + (cached * 0.0005) + (output * 0.002)) / 1000, (double)row["CostUsd"]!, 12);
            Assert.Contains("[EMAIL]", (string)row["Input"]!, StringComparison.Ordinal);
            Assert.Contains("guard:input.pii:email", (string)row["SafetyFlags"]!, StringComparison.Ordinal);
        }

        var shadows = rows.Where(r => (bool)r["Shadow"]!).ToList();
        Assert.Equal(5, shadows.Count);
        Assert.All(shadows, s => Assert.Equal("prompt:" + _feature + "/2", s["PromptVersion"]));
        Assert.Equal(primary.Select(r => (string)r["Id"]!).Order(StringComparer.Ordinal), shadows.Select(s => (string)s["ShadowOf"]!).Order(StringComparer.Ordinal));
        var attack = rows.Single(r => ((string)r["SafetyFlags"]!).Contains("guard:input.injection", StringComparison.Ordinal));
        Assert.Equal(blocked.TraceId, attack["Id"]);

        // The statistics count what users got: five answers and the blocked call, no shadow.
        var stats = await _client.FeedbackAnalytics.StatsAsync(_feature, DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal(6, stats.Groups.Single().Requests);
        Assert.Equal(1.0, stats.Groups.Single().SafetyFlagRate);

        // The shadow against the answers it shadowed, on the same requests (llmops registry shadow).
        var shadowReport = (await _client.Canaries.CompareShadowAsync(Prompt, "prod"))!;
        Assert.Equal((5L, "prompt:" + _feature + "/2", "prompt:" + _feature + "/1", ShadowReport.Meets), (shadowReport.Pairs, shadowReport.ShadowVersion, shadowReport.ServedVersion, shadowReport.Verdict));
        Assert.Equal(["error_rate", "cost_per_request"], shadowReport.Rows.Select(r => r.Metric));
        Assert.All(shadowReport.Rows, r => Assert.Equal(5, r.Comparison!.Pairs));
        Assert.Contains(shadowReport.NotObservable, n => n.StartsWith("thumbs_up_rate", StringComparison.Ordinal));
        foreach (var group in new[] { "gate", "registry" })
        {
            var (exit, text) = await CliRun.RunAsync([group, "shadow", Prompt, "--env", "prod", "--storage-prefix", _prefix, "--connection-string", (await SharedAzurite.GetAsync()).ConnectionString]);
            Assert.True(exit == 0, text);
            Assert.Contains("5 pair(s)", text, StringComparison.Ordinal);
            Assert.Contains(": meets.", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CanaryRoutedByUnitAsTheServerRoutes_EmbeddingCallRecordedButNotAnAnswer()
    {
        await _client.Registry.DeployAsync(Prompt, 1, "prod", why: "ci");
        await _client.Registry.DeployAsync(Prompt, 2, "prod", 50, "ci");
        await using var host = await StartHostAsync();
        var key = await KeyAsync(host);
        using var chat = Build(host, key, shadow: false);
        var llmops = chat.GetService<LlmOpsChatClient>()!;
        var resolver = new PromptResolveEndpoint(_client.Registry, _client.Governance, _client.Lifecycles);
        for (var i = 0; i < 40; i++)
        {
            var unit = $"unit-{i}";
            var answer = await chat.GetResponseAsync("How do I reset my password?", new ChatOptions().WithLlmOps(unit, new Dictionary<string, string> { ["context"] = Context }));
            Assert.True(llmops.LastResolveError is null, "resolve failed: " + llmops.LastResolveError);
            Assert.Equal((await resolver.ResolveAsync(Prompt, unit, "prod")).PromptVersion, answer.AdditionalProperties![LlmOpsChatOptions.PromptVersionKey]);
        }

        using var embedder = new EmbeddingGeneratorBuilder<string, Embedding<float>>(new LocalEmbeddingGenerator(64))
            .UseLlmOps(_feature, new LlmOpsClientOptions { Endpoint = host.HttpAddress, Key = key, FlushInterval = TimeSpan.FromMilliseconds(200) }).Build();
        await embedder.GenerateAsync(["reset link", "refund"]);
        Assert.True(await embedder.GetService<LlmOpsEmbeddingGenerator>()!.FlushAsync());
        Assert.True(await llmops.FlushAsync());
        var operations = await Eventually.UntilAsync(
            async () =>
            {
                using var query = await _client.FeedbackAnalytics.OpenAsync(_feature, DateTimeOffset.UtcNow.AddHours(-1));
                return query.Rows("SELECT coalesce(Operation, 'chat') AS op, count(*) AS n FROM traces GROUP BY ALL ORDER BY op");
            },
            found => found.Sum(r => (long)r["n"]!) == 41,
            "40 answers and one embedding call");
        Assert.Equal([("chat", 40L), ("embeddings", 1L)], operations.Select(r => ((string)r["op"]!, (long)r["n"]!)));
        Assert.Equal(40, (await _client.FeedbackAnalytics.StatsAsync(_feature, DateTimeOffset.UtcNow.AddHours(-1))).Groups.Single().Requests);
    }

    [Fact]
    public async Task HostStopped_AppKeepsAnsweringWithTheLastVersion_BufferedSpansArriveAfterRestart()
    {
        await _client.Registry.DeployAsync(Prompt, 1, "prod", why: "ci");
        var host = await StartHostAsync();
        var port = host.HttpAddress!.Port;
        var key = await KeyAsync(host);
        using var chat = Build(host, key, refresh: TimeSpan.Zero);
        var llmops = chat.GetService<LlmOpsChatClient>()!;
        var options = new ChatOptions().WithLlmOps("user-1", new Dictionary<string, string> { ["context"] = Context });
        var first = await chat.GetResponseAsync("reset link?", options);
        Assert.True(llmops.LastResolveError is null, "resolve failed: " + llmops.LastResolveError);
        Assert.Equal("prompt:" + _feature + "/1", first.AdditionalProperties![LlmOpsChatOptions.PromptVersionKey]);
        Assert.True(await llmops.FlushAsync());
        await host.DisposeAsync();

        // LlmOps is gone: every call still answers with the version it had, and the spans wait.
        for (var i = 0; i < 3; i++)
        {
            var answer = await chat.GetResponseAsync("reset link?", options);
            Assert.Equal("prompt:" + _feature + "/1", answer.AdditionalProperties![LlmOpsChatOptions.PromptVersionKey]);
            Assert.Contains("reset link expired", answer.Text, StringComparison.Ordinal);
        }

        Assert.False(await llmops.FlushAsync());
        Assert.Equal(3, llmops.BufferedSpans);
        await Eventually.UntilAsync(() => llmops.LastResolveError is not null, "a failed revalidation");

        await using var restarted = await StartHostAsync(port);
        await Eventually.UntilAsync(async () => await llmops.FlushAsync(), b => b, "the buffered spans exported after the restart");
        Assert.Equal(0, llmops.BufferedSpans);
        var ids = await Eventually.UntilAsync(
            async () =>
            {
                using var query = await _client.FeedbackAnalytics.OpenAsync(_feature, DateTimeOffset.UtcNow.AddHours(-1));
                return query.Rows("SELECT Id FROM traces");
            },
            found => found.Count == 4,
            "the four traces, three of them made while the host was down");
        Assert.Equal(4, ids.Select(r => r["Id"]).Distinct().Count());
    }

    private IChatClient Build(LocalFunctionHost host, string key, bool shadow = true, TimeSpan? refresh = null)
    {
        var model = new ChatClientFactory(Options.Create(new AzureOpenAIOptions { Endpoint = _openAi.Endpoint, ApiKey = FakeAzureOpenAIServer.ApiKey, MaxRetries = 0 })).Create("gpt-test");
        return new ChatClientBuilder(model).UseLlmOps(_feature, new LlmOpsClientOptions
        {
            Endpoint = host.HttpAddress,
            Key = key,
            Prompt = Prompt,
            Shadow = shadow,
            FlushInterval = TimeSpan.FromMilliseconds(200),
            RefreshInterval = refresh ?? TimeSpan.FromSeconds(30),
            // Generous: the suite runs beside this test on two cores; a resolve that times out would serve no prompt.
            Timeout = TimeSpan.FromSeconds(30),
        }).Build();
    }

    private Task<LocalFunctionHost> StartHostAsync(int port = 0) => TestHosts.StartAsync(
        new FunctionCatalog([.. TriggerCatalog.All.Where(f => f.Name is TriggerCatalog.ResolvePrompt or TriggerCatalog.OtlpTraces or TriggerCatalog.Guard)]),
        configuration: port == 0 ? null : new Dictionary<string, string?> { ["LlmOps:Host:HttpPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        prefix: _prefix);

    private static async Task<string> KeyAsync(LocalFunctionHost host) => (await host.GetKeysAsync()).FunctionKey;
}
