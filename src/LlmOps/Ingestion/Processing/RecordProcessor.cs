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
    private readonly bool _idMustBeUnique;

    /// <param name="previous">Record id to fingerprint of the source's previous version: an id may come again
    /// only with the same record, so re-dropping identical content is not a uniqueness violation.</param>
    public RecordProcessor(LifecycleDefinition lifecycle, SourceDefinition source, IReadOnlyDictionary<string, string>? previous = null)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _settings = lifecycle.Preprocessing;
        _validator = new RecordValidator(source, lifecycle.Quality);
        _previous = previous ?? new Dictionary<string, string>(StringComparer.Ordinal);
        _idMustBeUnique = lifecycle.Quality.Rules.Any(r => r.Kind == QualityRuleKind.Unique && r.Field == source.IdField);
        _redactor = _settings.Redact ? new PiiRedactor(_settings.PiiTypes, _settings.CustomPii) : null;
        _chunker = new TokenChunker(_settings.Tokenizer, _settings.ChunkTokens, _settings.ChunkOverlap);
    }

    public IngestionCounts Counts { get; } = new();

    /// <summary>The dataset record, or the reason the input record is quarantined.</summary>
    public (DatasetRecord? Record, QuarantinedRecord? Rejection) Process(ReadOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        Counts.Read++;
        if (outcome.Fields is null)
        {
            return Quarantine(new QuarantinedRecord(outcome.Line, "readable", null, outcome.Error ?? "unreadable record", null));
        }

        var (typed, rejection) = _validator.Validate(outcome.Line, outcome.Fields);
        if (rejection is not null)
        {
            return Quarantine(rejection);
        }

        foreach (var field in _source.Schema.Where(f => f.Type == FieldType.Text))
        {
            if (typed![field.Name] is string value)
            {
                var cleaned = TextCleaner.Clean(value, _settings.NormalizeUnicode, _settings.StripHtml);
                typed[field.Name] = _redactor is null ? cleaned : _redactor.Redact(cleaned, Counts.Pii);
            }
        }

        var text = typed![_source.TextField] as string ?? "";
        if (text.Length == 0)
        {
            return Quarantine(new QuarantinedRecord(outcome.Line, "not_empty", _source.TextField, $"'{_source.TextField}' is empty after cleaning", outcome.Fields));
        }

        var key = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(Normalize(text).AsSpan()));
        var contentHash = key.ToString("x32", CultureInfo.InvariantCulture);
        if (_settings.Dedup)
        {
            if (_seenContent.TryGetValue(key, out var firstLine))
            {
                return Quarantine(new QuarantinedRecord(outcome.Line, "dedup", _source.TextField, $"same content as line {firstLine}", outcome.Fields));
            }

            _seenContent[key] = outcome.Line;
        }

        var id = _source.IdField is not null && typed.TryGetValue(_source.IdField, out var idValue) && idValue is not null
            ? Convert.ToString(idValue, CultureInfo.InvariantCulture)!
            : contentHash[..16];
        var chunks = _chunker.Chunk($"{_source.Name}:{id}", text, out var tokens)
            .Select(c => new ChunkSpan(c.Id, c.Index, c.TokenCount, c.StartChar, c.EndChar))
            .ToList();
        typed.Remove(_source.TextField);
        var language = LanguageDetector.Detect(text);
        var record = new DatasetRecord(id, _source.Name, outcome.Line, typed, text, contentHash, language, text.Length, tokens, chunks);
        if (_idMustBeUnique && _previous.TryGetValue(id, out var earlier) && earlier != Fingerprint(record))
        {
            return Quarantine(new QuarantinedRecord(outcome.Line, "unique", _source.IdField, $"'{_source.IdField}' value '{id}' is in the previous version with other content", outcome.Fields));
        }

        Counts.Accepted++;
        Counts.Chunks += chunks.Count;
        Counts.Tokens += tokens;
        Counts.Languages[language] = Counts.Languages.GetValueOrDefault(language) + 1;
        return (record, null);
    }

    /// <summary>Counts a quarantined record under its rule.</summary>
    private (DatasetRecord?, QuarantinedRecord?) Quarantine(QuarantinedRecord rejection)
    {
        Counts.Quarantined++;
        Counts.QuarantinedByRule[rejection.Rule] = Counts.QuarantinedByRule.GetValueOrDefault(rejection.Rule) + 1;
        return (null, rejection);
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
