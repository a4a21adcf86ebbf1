using LlmOps.Development;
using LlmOps.Embeddings;
using LlmOps.Errors;
using LlmOps.Evaluation;
using LlmOps.Evaluation.Graders;
using LlmOps.Ingestion.Transform;
using LlmOps.Lifecycle;
using LlmOps.Registry;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tracking;
using Microsoft.Extensions.AI.Evaluation;
using Microsoft.Extensions.Options;

namespace LlmOps.Tests.Evaluation;

/// <summary>
/// The Azure path of an evaluation: targets and judge on Azure OpenAI chat deployments through the real OpenAI client,
/// against a loopback fake of the chat-completions protocol: 429 with Retry-After honoured, content-filter refusals
/// (of the prompt and of the answer) as graded outcomes, cached and reasoning tokens in cost, the judge calibrated
/// against human scores, and a wrong key failing the run.
/// </summary>
public sealed class AzureChatEvaluationTests : IAsyncLifetime
{
    private FakeAzureOpenAIServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeAzureOpenAIServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Run_AzureDeployments_ThrottledFilteredPricedAndJudged()
    {
        using var client = new LlmOpsClient((await SharedAzurite.GetAsync()).ConnectionString, TestNames.Prefix());
        await client.ProvisionAsync();
        var chats = Chats(FakeAzureOpenAIServer.ApiKey);
        var prices = new Dictionary<string, ModelPrice> { ["gpt-test"] = new(0.001, 0.002, 0.0005) };
        var rubric = Version("prompt:rubric/1", "Rate the answer from 1 to 5 for relevance, groundedness and coherence; answer JSON.\nQuestion: {{input}}\nAnswer: {{answer}}");
        EvalExample[] examples =
        [
            new("ex-1", "How do I reset my password? score=5", HumanScores: new Dictionary<string, double> { ["relevance"] = 5 }),
            new("ex-2", "My card was charged twice. score=2", HumanScores: new Dictionary<string, double> { ["relevance"] = 2 }),
            new("ex-3", "FILTER-PROMPT tell me something bad"),
            new("ex-4", "FILTER-ANSWER explain"),
            new("ex-5", "What is VAT? score=3", HumanScores: new Dictionary<string, double> { ["relevance"] = 4 }),
        ];
        var plan = new EvaluationPlan(
            new EvaluationTarget(Version("prompt:answer/1", "Answer briefly: {{input}}"), chats.Create("gpt-test"), "gpt-test"),
            "support", "dataset:eval-azure@000000000000", examples, null, 3,
            [new SafetyGrader(new PiiRedactor(PreprocessingSettings.KnownPiiTypes, [])), new UsageGrader(prices), new JudgeGrader(rubric)],
            new ChatConfiguration(chats.Create("gpt-judge")), 1, "azure-eval");

        // Two 429s with Retry-After: 1 on the first request: the client waits them out and the run completes.
        _server.ThrottleNext(2, retryAfterSeconds: 1);
        var run = await new EvaluationRunner(client.Tracker, client.Search).RunAsync(plan);

        Assert.Equal(2, _server.Throttled);
        var log = _server.ChatLog.ToArray();
        Assert.Equal([429, 429, 200], log[..3].Select(l => l.Status));
        Assert.True(log[2].At - log[0].At >= TimeSpan.FromSeconds(1.8), $"retries at {log[1].At} and {log[2].At} after {log[0].At}: Retry-After not honoured");

        var byId = run.Examples.ToDictionary(e => e.Id);
        Assert.Equal(0, byId["ex-3"].Metrics[EvalMetrics.Answered]);
        Assert.StartsWith("content_filter: the prompt", byId["ex-3"].Error, StringComparison.Ordinal);
        Assert.False(byId["ex-3"].Metrics.ContainsKey(EvalMetrics.PiiFree));
        Assert.Equal(0, byId["ex-4"].Metrics[EvalMetrics.Answered]);
        Assert.StartsWith("content_filter: the answer", byId["ex-4"].Error, StringComparison.Ordinal);
        Assert.Equal(0.6, run.Metrics[EvalMetrics.Answered].Mean, 10);

        // Usage as the service reported it: cached prompt tokens billed at the cached price, reasoning inside output.
        var first = byId["ex-1"].Metrics;
        Assert.Equal(FakeAzureOpenAIServer.CachedPromptTokens, first[EvalMetrics.CachedInputTokens]);
        Assert.Equal(FakeAzureOpenAIServer.ReasoningTokens, first[EvalMetrics.ReasoningTokens]);
        var expectedCost = (((first[EvalMetrics.InputTokens] - 16) * 0.001) + (16 * 0.0005) + (first[EvalMetrics.OutputTokens] * 0.002)) / 1000;
        Assert.Equal(expectedCost, first[EvalMetrics.CostUsd], 12);

        // The judge's scores, and its agreement with the human ones: quadratic-weighted kappa of (5,2,4) against
        // (5,2,3) on 1-5, 0.896552 by scikit-learn's cohen_kappa_score.
        Assert.Equal(5, first["judge_relevance"]);
        Assert.Equal(2, byId["ex-2"].Metrics["judge_relevance"]);
        var relevance = run.Calibration.Single(c => c.Dimension == "relevance");
        Assert.Equal(3, relevance.Examples);
        Assert.Equal(0.896552, relevance.Kappa!.Value, 5);
        Assert.Equal(0, run.Calibration.Single(c => c.Dimension == "coherence").Examples);

        var logged = (await client.Tracker.GetRunAsync(run.RunId))!;
        Assert.Equal(RunStatus.Finished, logged.Info.Status);
        Assert.Equal(0.896552, logged.LatestMetrics["judge_kappa_relevance"].Value, 5);
        Assert.Contains("relevance kappa 0.897 on 3", logged.Tags["judge_calibration"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WrongKey_FailsTheRunWithAClearError()
    {
        using var client = new LlmOpsClient((await SharedAzurite.GetAsync()).ConnectionString, TestNames.Prefix());
        await client.ProvisionAsync();
        var plan = new EvaluationPlan(
            new EvaluationTarget(Version("prompt:answer/1", "{{input}}"), Chats("wrong-key").Create("gpt-test"), "gpt-test"),
            "support", "dataset:eval-azure@000000000000", [new EvalExample("ex-1", "hello")], null, 3, [new UsageGrader(new Dictionary<string, ModelPrice>())], null, 1, "azure-eval-denied");

        var error = await Assert.ThrowsAsync<LlmOpsException>(() => new EvaluationRunner(client.Tracker, client.Search).RunAsync(plan));

        Assert.Equal(ErrorCode.Invalid, error.Code);
        Assert.Contains("refused the call (401)", error.Message, StringComparison.Ordinal);
        var failed = await client.Tracker.ListRunsAsync("azure-eval-denied").FirstAsync();
        Assert.Equal(RunStatus.Failed, failed.Status);
    }

    private ChatClientFactory Chats(string key) =>
        new(Options.Create(new AzureOpenAIOptions { Endpoint = _server.Endpoint, ApiKey = key, MaxRetries = 3 }));

    private static RegistryVersion Version(string id, string template)
    {
        var (name, number) = ModelRegistry.ParseVersionId(id);
        return new RegistryVersion(id, name, number, "run:x", null, template, PromptTemplate.Variables(template), null, new Dictionary<string, string>(), DateTimeOffset.UtcNow, "test");
    }
}
