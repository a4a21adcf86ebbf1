using LlmOps.Evaluation;
using LlmOps.Evaluation.Graders;
using LlmOps.Ingestion.Transform;
using LlmOps.Lifecycle;
using LlmOps.Registry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmOps.Tests.Evaluation;

/// <summary>Every code grader against values computed by hand (in each test's comment), through the IEvaluator interface.</summary>
public sealed class GraderTests
{
    private static readonly RetrievedChunk[] Chunks =
    [
        new("tickets:T-1001#0000", "I tried the reset link twice and it says the token expired.", 0.9),
        new("tickets:T-1002#0000", "Our invoice charges 21% VAT but we are VAT-exempt.", 0.4),
    ];

    [Fact]
    public void Tokens_NormalizesAsSquad_LowerCaseNoPunctuationNoArticles()
    {
        Assert.Equal(["resetlink", "dont", "email", "works"], AnswerText.Tokens("The reset-link? Don't... e-mail  works!"));
        Assert.Equal("cat sat on mat", AnswerText.Normalize("A cat sat on the mat."));
        Assert.Equal(["First one.", "Second one!", "Third"], AnswerText.Sentences("First one. Second one!\nThird"));
    }

    [Fact]
    public async Task ReferenceGrader_PartialAnswer_ScoresF1RougeAndContainsByHand()
    {
        // answer tokens: token expired please reset link (5); expected: reset link token expired (4).
        // common (multiset) = 4: precision 4/5, recall 4/4, F1 = 2*0.8*1/1.8 = 0.8889.
        // LCS(answer, expected) = "reset link" or "token expired" = 2: P 2/5, R 2/4, ROUGE-L F = 2*0.4*0.5/0.9 = 0.4444.
        // "reset link token expired" is not a contiguous run of the answer: contains = false; exact match = false.
        var metrics = await GradeAsync(new ReferenceGrader(), "Token expired: please reset link.", Example(expected: "The reset link token expired"));
        Assert.Equal(0.888889, metrics[EvalMetrics.TokenF1], 5);
        Assert.Equal(0.444444, metrics[EvalMetrics.RougeL], 5);
        Assert.Equal(0, metrics[EvalMetrics.Contains]);
        Assert.Equal(0, metrics[EvalMetrics.ExactMatch]);
    }

    [Fact]
    public async Task ReferenceGrader_SameWordsDifferentCase_ExactMatchAndContains()
    {
        var metrics = await GradeAsync(new ReferenceGrader(), "the Token EXPIRED.", Example(expected: "token expired"));
        Assert.Equal(1, metrics[EvalMetrics.ExactMatch]);
        Assert.Equal(1, metrics[EvalMetrics.Contains]);
        Assert.Equal(1, metrics[EvalMetrics.TokenF1]);
        Assert.Equal(1, metrics[EvalMetrics.RougeL]);
    }

    [Fact]
    public async Task ReferenceGrader_NoExpectedAnswer_GradesNothing()
    {
        Assert.Empty(await GradeAsync(new ReferenceGrader(), "anything", Example(expected: null)));
    }

    [Fact]
    public void RougeL_RepeatedTokens_CountsTheLongestCommonSubsequence()
    {
        // a b a c vs b a c a: LCS "b a c" = 3; P 3/4, R 3/4 -> 0.75.
        Assert.Equal(0.75, ReferenceGrader.RougeL(["a", "b", "a", "c"], ["b", "a", "c", "a"]), 10);
        // Token F1 counts the multiset: common a,a,b,c = 4 of 4 -> 1.
        Assert.Equal(1, ReferenceGrader.TokenF1(["a", "b", "a", "c"], ["b", "a", "c", "a"]), 10);
    }

    [Fact]
    public async Task CitationGrader_CitesRetrievedAndUnknownChunks_ValidOnlyWhenAllRetrieved()
    {
        var good = await GradeAsync(new CitationGrader(), "Your token expired [tickets:T-1001#0000].", Example(), Chunks);
        Assert.Equal(1, good[EvalMetrics.CitationsPresent]);
        Assert.Equal(1, good[EvalMetrics.CitationsValid]);
        var bad = await GradeAsync(new CitationGrader(), "See [tickets:T-1001#0000] and [tickets:T-9999#0000].", Example(), Chunks);
        Assert.Equal(1, bad[EvalMetrics.CitationsPresent]);
        Assert.Equal(0, bad[EvalMetrics.CitationsValid]);
        var none = await GradeAsync(new CitationGrader(), "Your token expired.", Example(), Chunks);
        Assert.Equal(0, none[EvalMetrics.CitationsPresent]);
        Assert.Empty(await GradeAsync(new CitationGrader(), "Your token expired.", Example(), []));
    }

    [Fact]
    public async Task GroundednessGrader_OneOfTwoSentencesSupported_ScoresHalf()
    {
        // Sentence 1 content words: reset link token expired -> all 4 in the context (>= 60%): supported.
        // Sentence 2 content words: upgrade premium plan today -> 0 of 4: not supported. Groundedness 1/2.
        var metrics = await GradeAsync(new GroundednessGrader(), "The reset link token expired [tickets:T-1001#0000]. Upgrade to the premium plan today!", Example(), Chunks);
        Assert.Equal(0.5, metrics[EvalMetrics.Groundedness], 10);
    }

    [Fact]
    public async Task SafetyGrader_PiiInAnswerAndCanaryLeaked_FailsBoth()
    {
        var grader = new SafetyGrader(new PiiRedactor(PreprocessingSettings.KnownPiiTypes, []));
        var leaked = await GradeAsync(grader, "Write to jane.doe@example.com. BANANA-7731", Example(canary: "banana-7731"));
        Assert.Equal(0, leaked[EvalMetrics.PiiFree]);
        Assert.Equal(0, leaked[EvalMetrics.InjectionResisted]);
        var clean = await GradeAsync(grader, "I can only help with support questions. Order 12345 ships Monday.", Example(canary: "BANANA-7731"));
        Assert.Equal(1, clean[EvalMetrics.PiiFree]);
        Assert.Equal(1, clean[EvalMetrics.InjectionResisted]);
        Assert.False((await GradeAsync(grader, "fine", Example())).ContainsKey(EvalMetrics.InjectionResisted));
    }

    [Fact]
    public async Task UsageGrader_CachedTokens_BilledAtTheCachedPrice()
    {
        // 1,000 input of which 400 cached, 200 output (of which 50 reasoning, inside the output count):
        // (600 * 0.002 + 400 * 0.001 + 200 * 0.008) / 1000 = (1.2 + 0.4 + 1.6) / 1000 = 0.0032.
        var grader = new UsageGrader(new Dictionary<string, ModelPrice> { ["gpt-x"] = new(0.002, 0.008, 0.001) });
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))
        {
            ModelId = "gpt-x",
            Usage = new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 200, CachedInputTokenCount = 400, ReasoningTokenCount = 50 },
        };
        var result = await grader.EvaluateAsync([], response, null, [new ResponseContext(TimeSpan.FromMilliseconds(250), "gpt-x", null)]);
        var metrics = Values(result);
        Assert.Equal(0.0032, metrics[EvalMetrics.CostUsd], 10);
        Assert.Equal(250, metrics[EvalMetrics.LatencyMs], 6);
        Assert.Equal(400, metrics[EvalMetrics.CachedInputTokens]);
        Assert.Equal(50, metrics[EvalMetrics.ReasoningTokens]);
        Assert.Equal(1, metrics[EvalMetrics.Answered]);
        response.ModelId = "other";
        var unpriced = Values(await grader.EvaluateAsync([], response, null, []));
        Assert.False(unpriced.ContainsKey(EvalMetrics.CostUsd));
    }

    [Fact]
    public async Task UsageGrader_FailedAnswer_NotAnsweredWithTheReason()
    {
        var result = await new UsageGrader(new Dictionary<string, ModelPrice>()).EvaluateAsync([], new ChatResponse(), null, [new ResponseContext(TimeSpan.FromMilliseconds(5), "m", "content_filter: filtered")]);
        var answered = (BooleanMetric)result.Metrics[EvalMetrics.Answered];
        Assert.False(answered.Value);
        Assert.Contains("content_filter", answered.Reason, StringComparison.Ordinal);
        Assert.False(result.Metrics.ContainsKey(EvalMetrics.InputTokens));
    }

    [Fact]
    public async Task CodeGraders_FailedAnswer_GradeNothing()
    {
        var result = await new ReferenceGrader().EvaluateAsync([], new ChatResponse(), null, [new ExampleContext(Example(expected: "x")), new ResponseContext(TimeSpan.Zero, "m", "refused")]);
        Assert.Empty(result.Metrics);
    }

    [Fact]
    public async Task JsonSchemaGrader_ValidFencedAndInvalidAnswers()
    {
        var grader = await JsonSchemaGrader.FromJsonAsync("""{"type": "object", "required": ["intent"], "properties": {"intent": {"enum": ["billing", "account"]}}}""");
        Assert.Equal(1, (await GradeAsync(grader, "```json\n{\"intent\": \"billing\"}\n```", Example()))[EvalMetrics.JsonValid]);
        Assert.Equal(0, (await GradeAsync(grader, "{\"intent\": \"weather\"}", Example()))[EvalMetrics.JsonValid]);
        Assert.Equal(0, (await GradeAsync(grader, "{\"other\": 1}", Example()))[EvalMetrics.JsonValid]);
        Assert.Contains(grader.Problems("not json at all"), p => p.StartsWith("not JSON", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PatternGrader_MatchesTheLifecyclesRegex()
    {
        var grader = new PatternGrader(new System.Text.RegularExpressions.Regex(@"^\[?[A-Z]"));
        Assert.Equal(1, (await GradeAsync(grader, "Yes.", Example()))[EvalMetrics.RegexMatch]);
        Assert.Equal(0, (await GradeAsync(grader, "yes.", Example()))[EvalMetrics.RegexMatch]);
    }

    [Theory]
    [InlineData("{\"relevance\": 4, \"groundedness\": 5, \"coherence\": 3}", 4, 5, 3)]
    [InlineData("Here you go:\n```json\n{\"relevance\": 2, \"groundedness\": 1, \"coherence\": 5}\n```", 2, 1, 5)]
    [InlineData("Relevance: 3\nGroundedness - 4\ncoherence=2", 3, 4, 2)]
    public void JudgeGrader_ParsesJsonFencesAndLines(string verdict, double relevance, double groundedness, double coherence)
    {
        var scores = JudgeGrader.ParseScores(verdict);
        Assert.Equal(relevance, scores["relevance"]);
        Assert.Equal(groundedness, scores["groundedness"]);
        Assert.Equal(coherence, scores["coherence"]);
    }

    [Fact]
    public void JudgeGrader_OutOfRangeOrMissingScores_AreNotInvented()
    {
        Assert.Empty(JudgeGrader.ParseScores("{\"relevance\": 9}"));
        Assert.Empty(JudgeGrader.ParseScores("I cannot rate this."));
    }

    [Fact]
    public void ExtractiveResponder_PicksTheChunkSharingMostWords_AndCitesIt()
    {
        var answer = ExtractiveResponder.Answer("invoice VAT exempt", Chunks);
        Assert.StartsWith("Our invoice charges", answer, StringComparison.Ordinal);
        Assert.EndsWith("[tickets:T-1002#0000]", answer, StringComparison.Ordinal);
        Assert.Equal("Our invoice charges [tickets:T-1002#0000]", ExtractiveResponder.Answer("invoice VAT exempt", Chunks, maxWords: 3));
        Assert.Equal(ExtractiveResponder.NoAnswer, ExtractiveResponder.Answer("anything", []));
    }

    [Fact]
    public async Task ExtractiveResponder_Streaming_GivesTheSameAnswerAndUsage()
    {
        using var responder = new ExtractiveResponder();
        var options = new ChatOptions { AdditionalProperties = new AdditionalPropertiesDictionary { [ExtractiveResponder.RetrievedKey] = (IReadOnlyList<RetrievedChunk>)Chunks } };
        ChatMessage[] messages = [new(ChatRole.User, "invoice VAT exempt")];
        var whole = await responder.GetResponseAsync(messages, options);
        var streamed = await responder.GetStreamingResponseAsync(messages, options).ToChatResponseAsync();
        Assert.Equal(whole.Text, streamed.Text);
        Assert.Equal(whole.Usage!.OutputTokenCount, streamed.Usage!.OutputTokenCount);
    }

    [Fact]
    public void EvaluationTarget_TemplateWithUnfillableVariable_IsRefusedUpFront()
    {
        var version = new RegistryVersion("prompt:x/1", "prompt:x", 1, "run:1", null, "Hi {{customer}}: {{input}}", ["customer", "input"], null, new Dictionary<string, string>(), DateTimeOffset.UtcNow, "me");
        var error = Assert.Throws<LlmOps.Errors.LlmOpsException>(() => new EvaluationTarget(version, new ExtractiveResponder(), "extractive"));
        Assert.Contains("customer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluationTarget_Messages_InputInTemplateIsOneUserMessage_ElseSystemThenUser()
    {
        var withInput = new EvaluationTarget(Version("Q: {{input}}\n{{context}}"), new ExtractiveResponder(), "extractive");
        var messages = withInput.Messages(Example(), Chunks[..1]);
        Assert.Equal(ChatRole.User, Assert.Single(messages).Role);
        Assert.Equal("Q: my token expired\n[tickets:T-1001#0000] I tried the reset link twice and it says the token expired.", messages[0].Text);
        var system = new EvaluationTarget(Version("Answer from: {{context}}"), new ExtractiveResponder(), "extractive").Messages(Example(), []);
        Assert.Equal([ChatRole.System, ChatRole.User], system.Select(m => m.Role));
        Assert.Equal("my token expired", system[1].Text);
    }

    private static RegistryVersion Version(string template) =>
        new("prompt:x/1", "prompt:x", 1, "run:1", null, template, PromptTemplate.Variables(template), null, new Dictionary<string, string>(), DateTimeOffset.UtcNow, "me");

    private static EvalExample Example(string? expected = null, string? canary = null) => new("ex-1", "my token expired", expected, Canary: canary);

    private static async Task<Dictionary<string, double>> GradeAsync(IEvaluator grader, string answer, EvalExample example, IReadOnlyList<RetrievedChunk>? retrieved = null)
    {
        var result = await grader.EvaluateAsync(
            [new ChatMessage(ChatRole.User, example.Input)],
            new ChatResponse(new ChatMessage(ChatRole.Assistant, answer)),
            null,
            [new ExampleContext(example), new RetrievedContext(retrieved ?? []), new ResponseContext(TimeSpan.FromMilliseconds(1), "m", null)]);
        return Values(result);
    }

    private static Dictionary<string, double> Values(EvaluationResult result) =>
        result.Metrics.Values.Where(m => m is NumericMetric { Value: not null } or BooleanMetric { Value: not null })
            .ToDictionary(m => m.Name, m => m is NumericMetric n ? n.Value!.Value : ((BooleanMetric)m).Value!.Value ? 1.0 : 0.0);
}
