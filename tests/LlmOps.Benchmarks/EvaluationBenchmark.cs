using System.Diagnostics;
using System.Text.RegularExpressions;
using LlmOps.Development;
using LlmOps.Embeddings;
using LlmOps.Evaluation;
using LlmOps.Evaluation.Graders;
using LlmOps.Ingestion.Transform;
using LlmOps.Lifecycle;
using LlmOps.Registry;
using Microsoft.Extensions.AI.Evaluation;
using Microsoft.Extensions.Options;

namespace LlmOps.Benchmarks;

/// <summary>
/// Evaluation throughput: <c>examples</c> synthetic examples answered by the offline extractive responder and graded
/// by every code grader, against the responder alone (grading must not be the bottleneck), on one thread and on
/// every core; and LLM-judge calls against the loopback chat-completions fake answering in 200 ms, at concurrency 8
/// (ideal 40 calls/s) and 1 (ideal 5/s), plain and with a burst of 429s whose Retry-After is honoured.
/// </summary>
internal static class EvaluationBenchmark
{
    private static readonly string[] Words =
    [
        "invoice", "refund", "password", "reset", "token", "export", "timeout", "gateway", "admin", "rights", "rate",
        "limit", "card", "charged", "twice", "dashboard", "dark", "mode", "single", "sign", "okta", "saml", "retention",
        "webhook", "retry", "report", "zone", "crash", "attachment", "mobile", "billing", "account", "login", "error",
        "customer", "ticket", "support", "delivery", "payment", "order", "plan", "upgrade", "settings", "email",
    ];

    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(int count, int judgeCalls)
    {
        var rows = new List<(string, string)>();
        var (examples, retrieved) = Generate(count, seed: 11);
        var version = Version("prompt:bench/1", "Answer from these tickets and cite them.\n\n{{context}}");
        var target = new EvaluationTarget(version, new ExtractiveResponder(), ExtractiveResponder.ModelName);
        IEvaluator[] graders =
        [
            new ReferenceGrader(), new CitationGrader(), new GroundednessGrader(),
            new SafetyGrader(new PiiRedactor(PreprocessingSettings.KnownPiiTypes, [])),
            new UsageGrader(new Dictionary<string, ModelPrice> { [ExtractiveResponder.ModelName] = new(0.001, 0.002) }),
            new PatternGrader(new Regex("^[A-Z]", RegexOptions.CultureInvariant)),
            await JsonSchemaGrader.FromJsonAsync("""{"type": "object", "required": ["answer"]}"""),
        ];
        var graded = Plan(target, examples, graders, null);
        var answered = Plan(target, examples, [], null);
        var cores = Environment.ProcessorCount;
        var runs = await Repeated.RunAsync(async _ => (
            Responder1: await RateAsync(answered, retrieved, 1),
            Graded1: await RateAsync(graded, retrieved, 1),
            ResponderN: await RateAsync(answered, retrieved, cores),
            GradedN: await RateAsync(graded, retrieved, cores)));
        rows.Add(($"Baseline: extractive responder alone over {count:N0} examples (3 retrieved chunks each), 1 thread", Repeated.Of(runs.Select(r => r.Responder1)).Format("0", " examples/s")));
        rows.Add(("Responder + every code grader (reference, citations, groundedness, PII and injection, usage and cost, regex, JSON Schema), 1 thread", Repeated.Of(runs.Select(r => r.Graded1)).Format("0", " examples/s")));
        rows.Add(("  ratio to the responder alone (target at least 0.5)", Repeated.Of(runs.Select(r => r.Graded1 / r.Responder1)).Format("0.00")));
        // Where the time goes: each grader beside the responder, as microseconds per example over the responder alone.
        foreach (var grader in graders)
        {
            var alone = Plan(target, examples, [grader], null);
            var each = await Repeated.RunAsync(async _ => (Responder: await RateAsync(answered, retrieved, 1), With: await RateAsync(alone, retrieved, 1)));
            rows.Add(($"  of which {grader.GetType().Name}", Repeated.Of(each.Select(e => (1e6 / e.With) - (1e6 / e.Responder))).Format("0.0", " us/example")));
        }

        rows.Add(($"Baseline: responder alone, {cores} examples in flight", Repeated.Of(runs.Select(r => r.ResponderN)).Format("0", " examples/s")));
        rows.Add(($"Responder + every code grader, {cores} examples in flight", Repeated.Of(runs.Select(r => r.GradedN)).Format("0", " examples/s")));
        rows.Add(("  ratio to the responder alone (target at least 0.5)", Repeated.Of(runs.Select(r => r.GradedN / r.ResponderN)).Format("0.00")));

        await using var server = await FakeAzureOpenAIServer.StartAsync(TimeSpan.FromMilliseconds(200));
        var chats = new ChatClientFactory(Options.Create(new AzureOpenAIOptions { Endpoint = server.Endpoint, ApiKey = FakeAzureOpenAIServer.ApiKey, MaxRetries = 6 }));
        var judge = new ChatConfiguration(chats.Create("gpt-judge"));
        var rubric = Version("prompt:rubric/1", "Rate the answer 1-5 for relevance, groundedness and coherence (JSON).\nQ: {{input}}\nA: {{answer}}");
        var judged = Plan(target, examples[..judgeCalls], [new JudgeGrader(rubric)], judge);
        var single = Plan(target, examples[..(judgeCalls / 8)], [new JudgeGrader(rubric)], judge);
        var throttledTotal = 0;
        var judgeRuns = await Repeated.RunAsync(async _ =>
        {
            var plain = await RateAsync(judged, retrieved, 8);
            var one = await RateAsync(single, retrieved, 1);
            var before = server.Throttled;
            server.ThrottleNext(8, retryAfterSeconds: 1);
            var throttled = await RateAsync(judged, retrieved, 8);
            throttledTotal += server.Throttled - before;
            return (plain, one, throttled);
        });
        rows.Add(($"Judge calls against a fake answering in 200 ms, 1 in flight ({judgeCalls / 8} calls; ideal 5/s)", Repeated.Of(judgeRuns.Select(r => r.one)).Format("0.0", " calls/s")));
        rows.Add(($"Judge calls, 8 in flight ({judgeCalls} calls; ideal 40/s)", Repeated.Of(judgeRuns.Select(r => r.plain)).Format("0.0", " calls/s")));
        rows.Add(("  share of the 40/s ideal (target at least 0.8)", Repeated.Of(judgeRuns.Select(r => r.plain / 40)).Format("0.00")));
        rows.Add(("Judge calls, 8 in flight, the first 8 answered 429 with Retry-After: 1", Repeated.Of(judgeRuns.Select(r => r.throttled)).Format("0.0", " calls/s")));
        rows.Add(("  share of the 40/s ideal", Repeated.Of(judgeRuns.Select(r => r.throttled / 40)).Format("0.00")));
        rows.Add(("  429s answered and retried after Retry-After (all runs)", throttledTotal.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return rows;
    }

    private static async Task<double> RateAsync(EvaluationPlan plan, IReadOnlyList<RetrievedChunk>[] retrieved, int inFlight)
    {
        var clock = Stopwatch.StartNew();
        var failed = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, plan.Examples.Count), new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (i, ct) =>
        {
            var result = await EvaluationRunner.GradeAsync(plan, plan.Examples[i], retrieved[i], ct);
            if (result.Error is not null || (plan.Judge is not null && !result.Metrics.ContainsKey("judge_relevance")))
            {
                Interlocked.Increment(ref failed);
            }
        });
        return failed == 0 ? plan.Examples.Count / clock.Elapsed.TotalSeconds : throw new InvalidOperationException($"{failed} example(s) failed: the benchmark measures successful answers only.");
    }

    private static EvaluationPlan Plan(EvaluationTarget target, EvalExample[] examples, IReadOnlyList<IEvaluator> graders, ChatConfiguration? judge) =>
        new(target, "bench", "dataset:eval-bench@000000000000", examples, null, 3, graders, judge, 8, "bench");

    private static (EvalExample[] Examples, IReadOnlyList<RetrievedChunk>[] Retrieved) Generate(int count, int seed)
    {
        var random = new Random(seed);
        string Text(int words) => string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]));
        var examples = new EvalExample[count];
        var retrieved = new IReadOnlyList<RetrievedChunk>[count];
        for (var i = 0; i < count; i++)
        {
            examples[i] = new EvalExample($"ex-{i:000000}", Text(8), Text(6), [$"tickets:T-{i}#0000"]);
            retrieved[i] = [.. Enumerable.Range(0, 3).Select(c => new RetrievedChunk($"tickets:T-{i + c}#0000", Text(20) + ". " + Text(20) + ". " + Text(10) + ".", 0.9 - (c * 0.1)))];
        }

        return (examples, retrieved);
    }

    private static RegistryVersion Version(string id, string template)
    {
        var (name, number) = ModelRegistry.ParseVersionId(id);
        return new RegistryVersion(id, name, number, "run:bench", null, template, PromptTemplate.Variables(template), null, new Dictionary<string, string>(), DateTimeOffset.UtcNow, "bench");
    }
}
