using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using LlmOps.Ingestion.Reading;
using LlmOps.Ingestion.Transform;
using LlmOps.Ingestion.Validation;
using LlmOps.Lifecycle;

namespace LlmOps.Ingestion.Processing;

/// <summary>
/// The per-record ETL steps, free of I/O: validate, clean and redact text fields, drop duplicates by normalized
/// content hash, chunk the text field on token boundaries, and enrich. Every outcome lands in <see cref="Counts"/>.
/// </summary>
public sealed class RecordProcessor
{
    private readonly SourceDefinition _source;
    private readonly PreprocessingSettings _settings;
    private readonly RecordValidator _validator;
    private readonly PiiRedactor? _redactor;
    private readonly TokenChunker _chunker;
    private readonly Dictionary<UInt128, long> _seenContent = [];
    private readonly IReadOnlyDictionary<string, string> _previous;
    private readonly ParallelOptions _parallel;

    /// <param name="previous">Record id to fingerprint of the source's previous version: an id that comes again with
    /// other content is an update, which the source's <c>on_update</c> replaces (default) or quarantines.</param>
    /// <param name="maxDegreeOfParallelism">Records transformed at once (-1: one per core); 1 runs on the calling thread only.</param>
    public RecordProcessor(LifecycleDefinition lifecycle, SourceDefinition source, IReadOnlyDictionary<string, string>? previous = null, int maxDegreeOfParallelism = -1)
    {
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        ArgumentNullException.ThrowIfNull(lifecycle);
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _settings = lifecycle.Preprocessing;
        _validator = new RecordValidator(source, lifecycle.Quality);
        _previous = previous ?? new Dictionary<string, string>(StringComparer.Ordinal);
        _redactor = _settings.Redact ? new PiiRedactor(_settings.PiiTypes, _settings.CustomPii) : null;
        _chunker = new TokenChunker(_settings.Tokenizer, _settings.ChunkTokens, _settings.ChunkOverlap);
    }

    public IngestionCounts Counts { get; } = new();

    /// <summary>The dataset record, or the reason the input record is quarantined.</summary>
    public (DatasetRecord? Record, QuarantinedRecord? Rejection) Process(ReadOutcome outcome) => ProcessBatch([outcome])[0];

    /// <summary>
    /// Processes records in drop order with the same results as one at a time: validation in order (the unique rule
    /// remembers values), then cleaning, redaction, hashing, chunking and language detection in parallel (they share
    /// nothing), then dedup, the check against the previous version and the counts in order again.
    /// </summary>
    public IReadOnlyList<(DatasetRecord? Record, QuarantinedRecord? Rejection)> ProcessBatch(IReadOnlyList<ReadOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var results = new (DatasetRecord?, QuarantinedRecord?)[outcomes.Count];
        var validated = new Dictionary<string, object?>?[outcomes.Count];
        for (var i = 0; i < outcomes.Count; i++)
        {
            var outcome = outcomes[i];
            Counts.Read++;
            if (outcome.Fields is null)
            {
                results[i] = Quarantine(new QuarantinedRecord(outcome.Line, "readable", null, outcome.Error ?? "unreadable record", null));
                continue;
            }

            var (typed, rejection) = _validator.Validate(outcome.Line, outcome.Fields);
            if (rejection is not null)
            {
                results[i] = Quarantine(rejection);
                continue;
            }

            validated[i] = typed;
        }

        var transformed = new Transformed?[outcomes.Count];
        if (outcomes.Count == 1 || _parallel.MaxDegreeOfParallelism == 1)
        {
            for (var i = 0; i < outcomes.Count; i++)
            {
                transformed[i] = validated[i] is { } typed ? Transform(typed) : null;
            }
        }
        else
        {
            Parallel.For(0, outcomes.Count, _parallel, i => transformed[i] = validated[i] is { } typed ? Transform(typed) : null);
        }

        for (var i = 0; i < outcomes.Count; i++)
        {
            if (transformed[i] is { } t)
            {
                results[i] = Finish(outcomes[i], t);
            }
        }

        return results;
    }

    private Transformed Transform(Dictionary<string, object?> typed)
    {
        Dictionary<string, long>? pii = null;
        UInt128 dedupKey = default;
        foreach (var field in _source.Schema.Where(f => f.Type == FieldType.Text))
        {
            if (typed[field.Name] is string value)
            {
                var cleaned = TextCleaner.Clean(value, _settings.NormalizeUnicode, _settings.StripHtml);
                if (field.Name == _source.TextField)
                {
                    // Dedup compares the text before redaction: records that differ only in personal data are
                    // different records. The key stays in memory; only the redacted text's hash is stored.
                    dedupKey = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(Normalize(cleaned).AsSpan()));
                }

                typed[field.Name] = _redactor is null ? cleaned : _redactor.Redact(cleaned, pii ??= []);
            }
        }

        var text = typed[_source.TextField] as string ?? "";
        if (text.Length == 0)
        {
            return new Transformed(typed, text, default, "", "", [], 0, "", pii);
        }

        var contentHash = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(Normalize(text).AsSpan())).ToString("x32", CultureInfo.InvariantCulture);
        var id = _source.IdField is not null && typed.TryGetValue(_source.IdField, out var idValue) && idValue is not null
            ? Convert.ToString(idValue, CultureInfo.InvariantCulture)!
            : contentHash[..16];
        var chunks = _chunker.Chunk($"{_source.Name}:{id}", text, out var tokens)
            .Select(c => new ChunkSpan(c.Id, c.Index, c.TokenCount, c.StartChar, c.EndChar))
            .ToList();
        return new Transformed(typed, text, dedupKey, contentHash, id, chunks, tokens, LanguageDetector.Detect(text), pii);
    }

    private (DatasetRecord?, QuarantinedRecord?) Finish(ReadOutcome outcome, Transformed t)
    {
        foreach (var (type, count) in t.Pii ?? [])
        {
            Counts.Pii[type] = Counts.Pii.GetValueOrDefault(type) + count;
        }

        if (t.Text.Length == 0)
        {
            return Quarantine(new QuarantinedRecord(outcome.Line, "not_empty", _source.TextField, $"'{_source.TextField}' is empty after cleaning", outcome.Fields));
        }

        if (_settings.Dedup)
        {
            if (_seenContent.TryGetValue(t.Key, out var firstLine))
            {
                return Quarantine(new QuarantinedRecord(outcome.Line, "dedup", _source.TextField, $"same content as line {firstLine}", outcome.Fields));
            }

            _seenContent[t.Key] = outcome.Line;
        }

        t.Fields.Remove(_source.TextField);
        var record = new DatasetRecord(t.Id, _source.Name, outcome.Line, t.Fields, t.Text, t.ContentHash, t.Language, t.Text.Length, t.Tokens, t.Chunks);
        if (_previous.TryGetValue(t.Id, out var earlier) && earlier != Fingerprint(record))
        {
            if (_source.OnUpdate == UpdatePolicy.Quarantine)
            {
                return Quarantine(new QuarantinedRecord(outcome.Line, "on_update", _source.IdField, $"'{_source.IdField}' value '{t.Id}' is in the previous version with other content (on_update: quarantine)", outcome.Fields));
            }

            Counts.Updated++;
        }

        Counts.Accepted++;
        Counts.Chunks += t.Chunks.Count;
        Counts.Tokens += t.Tokens;
        Counts.Languages[t.Language] = Counts.Languages.GetValueOrDefault(t.Language) + 1;
        return (record, null);
    }

    /// <summary>A validated record after the per-record steps, before the ones that look at other records.</summary>
    private sealed record Transformed(
        Dictionary<string, object?> Fields, string Text, UInt128 Key, string ContentHash, string Id, List<ChunkSpan> Chunks, int Tokens, string Language, Dictionary<string, long>? Pii);

    /// <summary>
    /// Counts a quarantined record under its rule, with its fields and reason redacted by the same step as accepted
    /// records: quarantine must not become a copy of the personal data (the line points back to the raw drop).
    /// </summary>
    private (DatasetRecord?, QuarantinedRecord?) Quarantine(QuarantinedRecord rejection)
    {
        Counts.Quarantined++;
        Counts.QuarantinedByRule[rejection.Rule] = Counts.QuarantinedByRule.GetValueOrDefault(rejection.Rule) + 1;
        if (_redactor is null)
        {
            return (null, rejection);
        }

        var uncounted = new Dictionary<string, long>();
        var fields = rejection.Fields?.ToDictionary(
            f => f.Key,
            f => f.Value switch
            {
                null or bool or long or int or double or decimal => f.Value,
                string text => _redactor.Redact(text, uncounted),
                _ => (object?)_redactor.Redact(Convert.ToString(f.Value, CultureInfo.InvariantCulture) ?? "", uncounted),
            },
            StringComparer.Ordinal);
        return (null, rejection with { Reason = _redactor.Redact(rejection.Reason, uncounted), Fields = fields });
    }

    /// <summary>A record's content, wherever it sits in its drop.</summary>
    public static string Fingerprint(DatasetRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Hash(System.Text.Json.JsonSerializer.Serialize(record with { Line = 0 }, System.Text.Json.JsonSerializerOptions.Web));
    }

    internal static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }
}
