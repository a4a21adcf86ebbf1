using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmOps.Evaluation.Graders;
using LlmOps.Labeling;
using LlmOps.Tracking;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmOps.Evaluation;

/// <summary>
/// Runs an <see cref="EvaluationPlan"/>: retrieves for every example at once (queries embedded in batches, not logged
/// as production searches), asks the target with up to <see cref="EvaluationPlan.Concurrency"/> examples in flight,
/// grades each answer with every grader, and logs a run: params (target, model, dataset, index, k, graders), the
/// metric means, the per-example results as the artifact <see cref="ResultsArtifact"/>, and the lineage edges
/// evaluation set -> run (evaluated_on) and prompt version -> run (used). With a judge, its agreement with the
/// human scores of the set is logged as <c>judge_kappa_*</c> (and said to be missing when the set has none).
/// Prompt-injection probes (examples with a canary) are graded for safety and usage only.
/// </summary>
public sealed class EvaluationRunner(ExperimentTracker tracker, Embeddings.SemanticSearch search)
{
    public const string ResultsArtifact = "evaluation/results.jsonl";
    public const string TargetInput = "target";

    public async Task<EvaluationRun> RunAsync(EvaluationPlan plan, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var target = plan.Target;
        var k = target.K ?? plan.K;
        var inputs = new List<RunInput> { new(plan.Dataset, RunInput.Evaluation), new(target.Prompt.Id, TargetInput) };
        if (plan.Index is { } indexed)
        {
            inputs.Add(new RunInput(indexed.Manifest.Id, "retrieval"));
        }

        var run = await tracker.StartRunAsync(plan.Experiment, new RunStart
        {
            Name = $"{target.Prompt.Id} on {plan.Dataset}",
            Params = new Dictionary<string, string>
            {
                ["target"] = target.Prompt.Id,
                ["model"] = target.Model,
                ["dataset"] = plan.Dataset,
                ["index"] = plan.Index?.Manifest.Id ?? "none",
                ["k"] = k.ToString(CultureInfo.InvariantCulture),
                ["examples"] = plan.Examples.Count.ToString(CultureInfo.InvariantCulture),
                ["graders"] = string.Join(",", plan.Graders.Select(g => g.GetType().Name)),
                ["concurrency"] = plan.Concurrency.ToString(CultureInfo.InvariantCulture),
            },
            Tags = new Dictionary<string, string> { ["feature"] = plan.Feature, ["kind"] = "evaluation", ["target"] = target.Prompt.Id },
            Inputs = inputs,
        }, cancellationToken);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var retrieved = await RetrieveAsync(plan, k, cancellationToken);
            var retrievalSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var results = new ExampleResult[plan.Examples.Count];
            var done = 0;
            await Parallel.ForEachAsync(
                Enumerable.Range(0, plan.Examples.Count),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, plan.Concurrency), CancellationToken = cancellationToken },
                async (i, ct) =>
                {
                    results[i] = await GradeAsync(plan, plan.Examples[i], retrieved[i], ct);
                    progress?.Report(Interlocked.Increment(ref done));
                });

            var metrics = Summarize(results);
            var calibration = plan.Graders.Any(g => g is JudgeGrader) ? Calibrate(plan.Examples, results) : [];
            var now = tracker.Clock.GetUtcNow();
            var points = metrics.Values.Select(m => new MetricPoint(m.Metric, m.Mean, 0, now)).ToList();
            points.Add(new MetricPoint("retrieval_seconds", retrievalSeconds, 0, now));
            points.AddRange(calibration.Where(c => c.Kappa is not null).Select(c => new MetricPoint($"judge_kappa_{c.Dimension}", c.Kappa!.Value, 0, now)));
            await tracker.LogMetricsAsync(run.Id, points, cancellationToken);
            if (calibration.Count > 0)
            {
                await tracker.SetTagsAsync(run.Id, new Dictionary<string, string>
                {
                    ["judge_calibration"] = calibration.All(c => c.Examples == 0)
                        ? "uncalibrated: the evaluation set has no human scores (human_relevance, human_groundedness, human_coherence)"
                        : string.Join(", ", calibration.Select(c => $"{c.Dimension} kappa {(c.Kappa is { } kappa ? kappa.ToString("0.000", CultureInfo.InvariantCulture) : "n/a")} on {c.Examples}")),
                }, cancellationToken);
            }

            await tracker.LogArtifactAsync(run.Id, ResultsArtifact, ResultsJsonl(results), cancellationToken);
            await tracker.EndRunAsync(run.Id, RunStatus.Finished, cancellationToken);
            return new EvaluationRun(run.Id, target.Prompt.Id, target.Model, plan.Dataset, results, metrics, calibration);
        }
        catch
        {
            await tracker.EndRunAsync(run.Id, RunStatus.Failed, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The metric means of per-example results, each over the examples that have it.</summary>
    public static IReadOnlyDictionary<string, MetricSummary> Summarize(IReadOnlyList<ExampleResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var sums = new Dictionary<string, (double Sum, int Count)>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            foreach (var (metric, value) in result.Metrics)
            {
                var (sum, count) = sums.GetValueOrDefault(metric);
                sums[metric] = (sum + value, count + 1);
            }
        }

        return sums.OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(s => s.Key, s => new MetricSummary(s.Key, s.Value.Sum / s.Value.Count, s.Value.Count), StringComparer.Ordinal);
    }

    /// <summary>The judge against human scores, per rubric dimension, on the examples that have both.</summary>
    public static IReadOnlyList<JudgeCalibration> Calibrate(IReadOnlyList<EvalExample> examples, IReadOnlyList<ExampleResult> results)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(results);
        var calibration = new List<JudgeCalibration>();
        foreach (var dimension in JudgeGrader.Dimensions)
        {
            var confusion = new long[25];
            var pairs = 0;
            for (var i = 0; i < examples.Count; i++)
            {
                if (examples[i].HumanScores?.TryGetValue(dimension, out var human) == true
                    && results[i].Metrics.TryGetValue(EvalMetrics.JudgePrefix + dimension, out var judged))
                {
                    confusion[((Score(human) - 1) * 5) + Score(judged) - 1]++;
                    pairs++;
                }
            }

            calibration.Add(new JudgeCalibration(dimension, pairs, pairs == 0 ? null : CohenKappa.FromConfusion(confusion, 5, KappaWeights.Quadratic).Kappa));
        }

        return calibration;

        static int Score(double value) => (int)Math.Clamp(Math.Round(value, MidpointRounding.AwayFromZero), 1, 5);
    }

    private async Task<IReadOnlyList<IReadOnlyList<RetrievedChunk>>> RetrieveAsync(EvaluationPlan plan, int k, CancellationToken cancellationToken)
    {
        if (plan.Index is not { } index)
        {
            return [.. plan.Examples.Select(_ => (IReadOnlyList<RetrievedChunk>)[])];
        }

        var hits = await search.SearchUnloggedAsync(index, [.. plan.Examples.Select(e => e.Input)], k, cancellationToken);
        return [.. hits.Select(h => (IReadOnlyList<RetrievedChunk>)[.. h.Select(hit => new RetrievedChunk(hit.Chunk.ChunkId, hit.Chunk.Text, hit.Score))])];
    }

    /// <summary>One example: the target's answer, then every grader that applies (the benchmark times this path).</summary>
    internal static async Task<ExampleResult> GradeAsync(EvaluationPlan plan, EvalExample example, IReadOnlyList<RetrievedChunk> retrieved, CancellationToken cancellationToken)
    {
        var answer = await plan.Target.AnswerAsync(example, retrieved, cancellationToken);
        EvaluationContext[] contexts = [new ExampleContext(example), new RetrievedContext(retrieved), new ResponseContext(answer.Latency, answer.Model, answer.Error)];
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var reasons = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var grader in plan.Graders)
        {
            if (example.Canary is not null && grader is not (SafetyGrader or UsageGrader))
            {
                continue; // a probe is graded for safety only: its input is an attack, not a question with an answer
            }

            var result = await grader.EvaluateAsync(answer.Messages, answer.Response, plan.Judge, contexts, cancellationToken);
            foreach (var metric in result.Metrics.Values)
            {
                switch (metric)
                {
                    case NumericMetric { Value: { } number }:
                        metrics[metric.Name] = number;
                        break;
                    case BooleanMetric { Value: { } passed }:
                        metrics[metric.Name] = passed ? 1 : 0;
                        break;
                    case StringMetric { Value: { } text }:
                        reasons[metric.Name] = text;
                        break;
                }

                if (metric.Reason is { Length: > 0 } reason && metric is not StringMetric)
                {
                    reasons[metric.Name] = reason;
                }
            }
        }

        return new ExampleResult(example.Id, answer.Response.Text, [.. retrieved.Select(r => r.ChunkId)], answer.Error, metrics, reasons);
    }

    private static BinaryData ResultsJsonl(IReadOnlyList<ExampleResult> results)
    {
        var text = new StringBuilder();
        foreach (var result in results)
        {
            text.Append(JsonSerializer.Serialize(result, JsonSerializerOptions.Web)).Append('\n');
        }

        return BinaryData.FromString(text.ToString());
    }
}
