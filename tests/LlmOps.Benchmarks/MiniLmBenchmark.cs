using System.Diagnostics;
using LlmOps.Embeddings;

namespace LlmOps.Benchmarks;

/// <summary>
/// The local semantic embedder (all-MiniLM-L6-v2 on ONNX Runtime) through our provider against calling the package's
/// encoder directly with the same batches: the provider's own cost. One caller, then one caller per core; texts per
/// second, median of the runs after a warm-up, each ratio within one repetition.
/// </summary>
internal static class MiniLmBenchmark
{
    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(int texts, int batch)
    {
        // Ticket-like sentences of 10-40 words, seeded.
        var random = new Random(11);
        string[] words = ["export", "invoice", "password", "reset", "dashboard", "timeout", "webhook", "admin", "refund", "the", "and", "customer", "billing", "crash", "attachment", "limit", "please", "again", "error", "settings", "charged", "twice", "my", "card", "login", "link", "expired"];
        var corpus = Enumerable.Range(0, texts).Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(10, 41)).Select(_ => words[random.Next(words.Length)]))).ToArray();
        var batches = corpus.Chunk(batch).ToArray();
        using var provider = new MiniLmEmbeddingGenerator();
        var encoder = MiniLmEmbeddingGenerator.SharedEncoder;
        var results = new List<(string, string)>();
        foreach (var (label, callers) in new[] { ("one caller", 1), ($"{Environment.ProcessorCount} callers", Environment.ProcessorCount) })
        {
            var runs = await Repeated.RunAsync(run => TextsPerSecondAsync(run, corpus.Length,
                () => Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = callers }, (b, ct) => { _ = encoder.Encode(b, ct); return ValueTask.CompletedTask; }),
                () => Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = callers }, async (b, ct) => await provider.GenerateAsync(b, cancellationToken: ct))));
            results.Add(($"Baseline: SentenceEncoder.Encode directly, {texts} texts in batches of {batch}, {label}", Repeated.Of(runs.Select(r => r.Direct)).Format("0", " texts/s")));
            results.Add(($"MiniLM through the provider (IEmbeddingGenerator), same batches, {label}", Repeated.Of(runs.Select(r => r.Ours)).Format("0", " texts/s")));
            results.Add(("  ratio provider / direct (target at least 0.9)", Repeated.Of(runs.Select(r => r.Ours / r.Direct)).Format("0.00")));
        }

        results.AddRange(await LengthOrderAsync(texts));
        return results;
    }

    /// <summary>
    /// Texts of mixed length (a seeded sample of the API docs members, 8 to 300 words): one request of all of them through
    /// the provider, which encodes them 64 per call in order of length, against the encoder called directly 64 at a
    /// time in the given order. One caller; the ratio within each repetition, alternating which goes first.
    /// </summary>
    private static async Task<IReadOnlyList<(string, string)>> LengthOrderAsync(int texts)
    {
        var members = Samples.ApiDocsQuerySet.Create(Samples.ApiDocsCorpus.Load(Samples.ApiDocsCorpus.FindReferenceDocs()), types: 100, membersPerType: 4, distractors: 600, seed: 2026)
            .Records.Take(texts).Select(r => r.Text).ToArray();
        using var provider = new MiniLmEmbeddingGenerator();
        var encoder = MiniLmEmbeddingGenerator.SharedEncoder;
        var runs = await Repeated.RunAsync(run => TextsPerSecondAsync(run, members.Length,
            () =>
            {
                foreach (var batch in members.Chunk(MiniLmEmbeddingGenerator.MaxBatch))
                {
                    _ = encoder.Encode(batch);
                }

                return Task.CompletedTask;
            },
            () => provider.GenerateAsync(members)));
        return
        [
            ($"Baseline: SentenceEncoder.Encode directly, {members.Length} API docs members of mixed length, {MiniLmEmbeddingGenerator.MaxBatch} per call in the given order, one caller", Repeated.Of(runs.Select(r => r.Direct)).Format("0", " texts/s")),
            ("MiniLM through the provider, one request (64 per call in order of length), one caller", Repeated.Of(runs.Select(r => r.Ours)).Format("0", " texts/s")),
            ("  ratio provider / direct (length ordering)", Repeated.Of(runs.Select(r => r.Ours / r.Direct)).Format("0.00")),
        ];
    }

    /// <summary>Texts per second of <paramref name="direct"/> and <paramref name="ours"/>, back to back, alternating which goes first by repetition.</summary>
    private static async Task<(double Direct, double Ours)> TextsPerSecondAsync(int run, int texts, Func<Task> direct, Func<Task> ours)
    {
        double directRate = 0, ourRate = 0;
        for (var turn = 0; turn < 2; turn++)
        {
            var clock = Stopwatch.StartNew();
            if ((turn + run) % 2 == 0)
            {
                await direct();
                directRate = texts / clock.Elapsed.TotalSeconds;
            }
            else
            {
                await ours();
                ourRate = texts / clock.Elapsed.TotalSeconds;
            }
        }

        return (directRate, ourRate);
    }
}
