using LlmOps.Datasets;
using LlmOps.Ingestion.Processing;
using LlmOps.Ingestion.Reading;
using LlmOps.Ingestion.Transform;
using LlmOps.Ingestion.Validation;
using LlmOps.Lifecycle;

namespace LlmOps.Benchmarks;

/// <summary>Where ETL time goes: each step timed alone on one thread over the same synthetic drop (seconds per step, median of the runs).</summary>
internal static class EtlStepsBenchmark
{
    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(int megabytes)
    {
        var lifecycle = LifecycleParser.Parse(EtlBenchmark.LifecycleYaml);
        var source = lifecycle.Sources[0];
        using var drop = new MemoryStream();
        await SyntheticDrop.WriteAsync(drop, megabytes * 1024L * 1024L);

        var outcomes = new List<ReadOutcome>();
        var rows = new List<(string, string)>
        {
            ("read + parse (1 thread)", Repeated.Seconds(() =>
            {
                outcomes.Clear();
                drop.Position = 0;
                foreach (var outcome in DropReader.ReadAsync(drop, "drop.jsonl", SourceFormat.Auto).ToBlockingEnumerable())
                {
                    outcomes.Add(outcome);
                }
            }).Format("0.00", " s")),
        };
        // A fresh validator each run: the unique rule remembers the values it has seen.
        var texts = Time(rows, "validate", () =>
        {
            var validator = new RecordValidator(source, lifecycle.Quality);
            return outcomes.Select(o => (string)validator.Validate(o.Line, o.Fields!).Record!["body"]!).ToList();
        });
        var cleaned = Time(rows, "clean", () => texts.Select(t => TextCleaner.Clean(t)).ToList());
        var redactor = new PiiRedactor(PreprocessingSettings.KnownPiiTypes, []);
        var counts = new Dictionary<string, long>();
        var redacted = Time(rows, "redact", () => cleaned.Select(t => redactor.Redact(t, counts)).ToList());
        var chunker = new TokenChunker("cl100k_base", 256, 32);
        var chunked = Time(rows, "chunk (tokenize)", () => redacted.Select(t => chunker.Spans("k", t, out _)).ToList());
        Time(rows, "language", () => redacted.Select(LanguageDetector.Detect).ToList());
        var records = redacted.Select((text, i) => new DatasetRecord(
            $"r{i}", "bench", i + 1, outcomes[i].Fields!, text, "00000000000000000000000000000000", "en", text.Length, 100,
            chunked[i])).ToList();
        Time(rows, "spool (serialize, hash, gzip to a temp file)", () =>
        {
            var spool = new DatasetSpool();
            foreach (var record in records)
            {
                spool.AddAsync(record, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }

            var sha = spool.CompleteAsync().GetAwaiter().GetResult();
            spool.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return sha;
        });
        return rows;
    }

    /// <summary>One step over every record on one thread: warm-up, then the median of the repetitions.</summary>
    private static T Time<T>(List<(string, string)> rows, string step, Func<T> run)
    {
        T result = default!;
        rows.Add((step + " (1 thread)", Repeated.Seconds(() => result = run()).Format("0.00", " s")));
        return result;
    }
}
