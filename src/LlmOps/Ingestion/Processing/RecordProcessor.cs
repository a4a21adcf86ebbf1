using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using LlmOps.Ingestion.Reading;
using LlmOps.Ingestion.Transform;
using LlmOps.Ingestion.Validation;
using LlmOps.Lifecycle;
using LlmOps.Datasets;

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

    /// <summary>Chunkers not in use, each with a tokenizer instance of its own (the pipeline chunks several batches at once).</summary>
    private readonly System.Collections.Concurrent.ConcurrentBag<TokenChunker> _idleChunkers = [];
    private int _chunkerInstances = -1;
    private readonly Dictionary<UInt128, long> _seenContent = [];
    private readonly HashSet<UInt128> _seededContent = [];
    private readonly IReadOnlyDictionary<string, string> _previous;
    private readonly string[] _textFields;

    /// <param name="previous">Record id to fingerprint of the source's previous version: an id that comes again with
    /// other content is an update, which the source's <c>on_update</c> replaces (default) or quarantines.</param>
    public RecordProcessor(LifecycleDefinition lifecycle, SourceDefinition source, IReadOnlyDictionary<string, string>? previous = null)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _textFields = [.. source.Schema.Where(f => f.Type == FieldType.Text).Select(f => f.Name)];
        _settings = lifecycle.Preprocessing;
        _validator = new RecordValidator(source, lifecycle.Quality);
        _previous = previous ?? new Dictionary<string, string>(StringComparer.Ordinal);
        _redactor = _settings.Redact ? new PiiRedactor(_settings.PiiTypes, _settings.CustomPii) : null;
        _idleChunkers.Add(NextChunker()); // the first one checks the chunking settings here, not in the first batch
    }

    public IngestionCounts Counts { get; } = new();

    /// <summary>Erased data subjects: a record of one is quarantined (rule <c>erased</c>) without its fields.</summary>
    public SuppressionCheck? Suppression { get; init; }

    /// <summary>The dataset record, or the reason the input record is quarantined.</summary>
    public (DatasetRecord? Record, QuarantinedRecord? Rejection) Process(ReadOutcome outcome) => ProcessBatch([outcome])[0];

    /// <summary>
    /// Processes records in drop order on the calling thread: validate (the unique rule remembers values), clean,
    /// redact, hash, detect the language, chunk, then dedup, check against the previous version and count.
    /// </summary>
    public IReadOnlyList<(DatasetRecord? Record, QuarantinedRecord? Rejection)> ProcessBatch(IReadOnlyList<ReadOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var batch = Validate(outcomes);
        CleanAndRedact(batch);
        Chunk(batch);
        return Finish(batch);
    }

    /// <summary>
    /// Processes a drop on the calling thread, <see cref="PipelineBatch"/> records at a time: the same results as
    /// <see cref="ProcessAsync"/> on one core (the single-thread baseline of the benchmarks).
    /// </summary>
    public async Task ProcessInOrderAsync(
        IAsyncEnumerable<ReadOutcome> outcomes,
        Func<IReadOnlyList<(DatasetRecord? Record, QuarantinedRecord? Rejection)>, ValueTask> sink,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(sink);
        var batch = new List<ReadOutcome>(PipelineBatch);
        await foreach (var outcome in outcomes.WithCancellation(cancellationToken))
        {
            batch.Add(outcome);
            if (batch.Count == PipelineBatch)
            {
                await sink(ProcessBatch(batch));
                batch.Clear();
            }
        }

        await sink(ProcessBatch(batch));
    }

    /// <summary>
    /// Processes a drop as a pipeline of stages joined by bounded queues of <see cref="PipelineBatch"/> records: read
    /// and validate (the caller's reading), clean, redact, hash and detect the language, chunk, dedup and count, and
    /// <paramref name="sink"/> (spooling). Chunking, the costliest step, runs on up to <see cref="ChunkTasks"/> batches
    /// at once, each with a tokenizer instance of its own (a shared one takes a lock on every piece); every other
    /// stage is one thread. Results are the same, in the same order, as <see cref="ProcessBatch"/> gives. A stage
    /// that fails stops the others, and its error is what the caller sees.
    /// </summary>
    public async Task ProcessAsync(
        IAsyncEnumerable<ReadOutcome> outcomes,
        Func<IReadOnlyList<(DatasetRecord? Record, QuarantinedRecord? Rejection)>, ValueTask> sink,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(sink);
        var validated = Stage<Batch>();
        var prepared = Stage<Batch>();
        var chunking = Channel.CreateBounded<Task<Batch>>(new BoundedChannelOptions(ChunkTasks - 1) { SingleReader = true, SingleWriter = true });
        var finished = Stage<IReadOnlyList<(DatasetRecord?, QuarantinedRecord?)>>();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = failed.Token;
        var stages = new[]
        {
            Run(validated.Reader, prepared.Writer, batch =>
            {
                CleanAndRedact(batch);
                return Task.FromResult(batch);
            }),
            Run(prepared.Reader, chunking.Writer, async batch =>
            {
                // A batch's chunking starts once the queue has room: with the batch the finisher awaits, at most
                // ChunkTasks run at once.
                await chunking.Writer.WaitToWriteAsync(token);
                return Task.Run(() => Chunk(batch), token);
            }),
            Run<Task<Batch>, IReadOnlyList<(DatasetRecord?, QuarantinedRecord?)>>(chunking.Reader, finished.Writer, async chunked => Finish(await chunked)),
            Task.Run(
                async () =>
                {
                    try
                    {
                        await foreach (var results in finished.Reader.ReadAllAsync(token))
                        {
                            await sink(results);
                        }
                    }
                    catch
                    {
                        await failed.CancelAsync();
                        throw;
                    }
                },
                token),
        };

        try
        {
            var pending = new List<ReadOutcome>(PipelineBatch);
            await foreach (var outcome in outcomes.WithCancellation(token))
            {
                pending.Add(outcome);
                if (pending.Count == PipelineBatch)
                {
                    await validated.Writer.WriteAsync(Validate(pending), token);
                    pending = new List<ReadOutcome>(PipelineBatch);
                }
            }

            if (pending.Count > 0)
            {
                await validated.Writer.WriteAsync(Validate(pending), token);
            }

            validated.Writer.Complete();
        }
        catch (Exception ex)
        {
            // A reader error (an unreadable drop, say) stops the stages and is what the caller sees; a stage that
            // failed first (a full disk while spooling, say) cancelled the reading, and its own error is reported.
            validated.Writer.TryComplete(ex);
            await failed.CancelAsync();
            await Task.WhenAll(stages.Select(t => t.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)));
            if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested
                && stages.FirstOrDefault(t => t.IsFaulted)?.Exception?.InnerException is { } stageError)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(stageError);
            }

            throw;
        }

        try
        {
            await Task.WhenAll(stages);
        }
        catch
        {
            await failed.CancelAsync();
            throw;
        }

        Task Run<TIn, TOut>(ChannelReader<TIn> input, ChannelWriter<TOut> output, Func<TIn, Task<TOut>> step) => Task.Run(
            async () =>
            {
                try
                {
                    await foreach (var item in input.ReadAllAsync(token))
                    {
                        await output.WriteAsync(await step(item), token);
                    }

                    output.Complete();
                }
                catch (Exception ex)
                {
                    output.TryComplete(ex);
                    await failed.CancelAsync();
                    throw;
                }
            },
            token);
    }

    /// <summary>Records handed from stage to stage at once.</summary>
    public const int PipelineBatch = 256;

    /// <summary>Batches chunked at once in the pipeline: one per core, at least two and at most eight (each chunker holds a tokenizer instance of 7-14 MB).</summary>
    private static readonly int ChunkTasks = Math.Clamp(Environment.ProcessorCount, 2, 8);

    private static Channel<T> Stage<T>() => Channel.CreateBounded<T>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });

    /// <summary>Validation in drop order; a record that fails carries its rejection (counted later, in order, by <see cref="Finish(Batch)"/>).</summary>
    private Batch Validate(IReadOnlyList<ReadOutcome> outcomes)
    {
        var batch = new Batch(outcomes);
        for (var i = 0; i < outcomes.Count; i++)
        {
            var outcome = outcomes[i];
            if (outcome.Fields is null)
            {
                batch.Rejections[i] = new QuarantinedRecord(outcome.Line, "readable", null, outcome.Error ?? "unreadable record", null);
                continue;
            }

            // Before validation, so nothing of an erased subject's record (not even a field a rule names) reaches quarantine.
            if (Suppression is not null && Suppression.Matches(outcome.Fields))
            {
                batch.Rejections[i] = new QuarantinedRecord(outcome.Line, "erased", null, "the record of an erased data subject (suppression list)", null);
                continue;
            }

            var (typed, rejection) = _validator.Validate(outcome.Line, outcome.Fields);
            if (rejection is not null)
            {
                batch.Rejections[i] = rejection;
                continue;
            }

            batch.Prepared[i] = Validated(typed!);
        }

        return batch;
    }

    /// <summary>
    /// Cleans and redacts each record, then marks a duplicate of an earlier one (in drop order, so this stage decides
    /// dedup) so that it is not chunked: real drops repeat texts often, and chunking is the costly step.
    /// </summary>
    private void CleanAndRedact(Batch batch)
    {
        for (var i = 0; i < batch.Outcomes.Count; i++)
        {
            if (batch.Prepared[i] is not { } validated)
            {
                continue;
            }

            var transformed = CleanAndRedact(validated);
            if (_settings.Dedup && transformed.Text.Length > 0)
            {
                if (_seenContent.TryGetValue(transformed.Key, out var firstLine))
                {
                    transformed = transformed with { DuplicateOf = firstLine };
                }
                else
                {
                    _seenContent[transformed.Key] = batch.Outcomes[i].Line;
                }
            }

            batch.Prepared[i] = transformed;
        }
    }

    /// <summary>Chunks a batch with an idle chunker (a new one, with the next tokenizer instance, when none is idle).</summary>
    private Batch Chunk(Batch batch)
    {
        if (!_idleChunkers.TryTake(out var chunker))
        {
            chunker = NextChunker();
        }

        try
        {
            for (var i = 0; i < batch.Outcomes.Count; i++)
            {
                if (batch.Prepared[i] is { Text.Length: > 0, DuplicateOf: null } t)
                {
                    var chunks = chunker.Spans($"{_source.Name}:{t.Id}", t.Text, out var tokens);
                    batch.Prepared[i] = t with { Chunks = chunks, Tokens = tokens };
                }
            }

            return batch;
        }
        finally
        {
            _idleChunkers.Add(chunker);
        }
    }

    private TokenChunker NextChunker() =>
        new(_settings.Tokenizer, _settings.ChunkTokens, _settings.ChunkOverlap, Interlocked.Increment(ref _chunkerInstances));

    private List<(DatasetRecord?, QuarantinedRecord?)> Finish(Batch batch)
    {
        var results = new List<(DatasetRecord?, QuarantinedRecord?)>(batch.Outcomes.Count);
        for (var i = 0; i < batch.Outcomes.Count; i++)
        {
            Counts.Read++;
            results.Add(batch.Rejections[i] is { } rejection ? Quarantine(rejection) : Finish(batch.Outcomes[i], batch.Prepared[i]!));
        }

        return results;
    }

    /// <summary>A batch of records on its way through the stages: each slot holds its rejection or its transformed record.</summary>
    private sealed class Batch(IReadOnlyList<ReadOutcome> outcomes)
    {
        public IReadOnlyList<ReadOutcome> Outcomes { get; } = outcomes;

        public QuarantinedRecord?[] Rejections { get; } = new QuarantinedRecord?[outcomes.Count];

        public Transformed?[] Prepared { get; } = new Transformed?[outcomes.Count];
    }

    /// <summary>The validated fields, nothing computed yet (the cheap part of validation's stage).</summary>
    private static Transformed Validated(Dictionary<string, object?> typed) => new(typed, "", default, "", "", [], 0, "", null);

    /// <summary>Cleans and redacts the text fields, keys the record for dedup, hashes its content and detects its language.</summary>
    private Transformed CleanAndRedact(Transformed validated)
    {
        var typed = validated.Fields;
        Dictionary<string, long>? pii = null;
        UInt128 dedupKey = default;
        foreach (var field in _textFields)
        {
            if (typed[field] is string value)
            {
                var cleaned = TextCleaner.Clean(value, _settings.NormalizeUnicode, _settings.StripHtml);
                if (field == _source.TextField)
                {
                    // Dedup compares the text before redaction: records that differ only in personal data are
                    // different records. The key stays in memory; only the redacted text's hash is stored.
                    dedupKey = NormalizedHash(cleaned);
                }

                typed[field] = _redactor is null ? cleaned : _redactor.Redact(cleaned, pii ??= []);
            }
        }

        var text = typed[_source.TextField] as string ?? "";
        if (text.Length == 0)
        {
            return validated with { Text = text, Pii = pii };
        }

        var contentHash = NormalizedHash(text).ToString("x32", CultureInfo.InvariantCulture);
        var id = _source.IdField is not null && typed.TryGetValue(_source.IdField, out var idValue) && idValue is not null
            ? Convert.ToString(idValue, CultureInfo.InvariantCulture)!
            : contentHash[..16];
        return new Transformed(typed, text, dedupKey, contentHash, id, [], 0, LanguageDetector.Detect(text), pii);
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

        if (t.DuplicateOf is { } firstLine)
        {
            // The record as it would have been accepted (cleaned, typed, redacted): what dedup compared.
            return Count(DuplicateRecord(outcome.Line, firstLine, t.Fields));
        }

        t.Fields.Remove(_source.TextField);
        var record = new DatasetRecord(t.Id, _source.Name, outcome.Line, t.Fields, t.Text, t.ContentHash, t.Language, t.Text.Length, t.Tokens, t.Chunks);
        if (_previous.TryGetValue(t.Id, out var earlier) && earlier != DatasetRecord.Fingerprint(record))
        {
            if (_source.OnUpdate == UpdatePolicy.Quarantine)
            {
                return Quarantine(new QuarantinedRecord(outcome.Line, "on_update", _source.IdField, $"'{_source.IdField}' value '{t.Id}' is in the previous version with other content (on_update: quarantine)", outcome.Fields) { Record = record });
            }

            Counts.Updated++;
            UpdatedLines?.Add(outcome.Line);
        }

        Counts.Accepted++;
        Counts.Chunks += t.Chunks.Count;
        Counts.Tokens += t.Tokens;
        Counts.Languages[t.Language] = Counts.Languages.GetValueOrDefault(t.Language) + 1;
        return (record, null);
    }

    /// <summary>A validated record after the per-record steps, before the ones that look at other records.</summary>
    private sealed record Transformed(
        Dictionary<string, object?> Fields, string Text, UInt128 Key, string ContentHash, string Id, IReadOnlyList<ChunkSpan> Chunks, int Tokens, string Language, Dictionary<string, long>? Pii)
    {
        /// <summary>The line of the earlier record with the same content (dedup), or null.</summary>
        public long? DuplicateOf { get; init; }
    }

    /// <summary>
    /// Counts a quarantined record under its rule, with its fields and reason redacted by the same step as accepted
    /// records: quarantine must not become a copy of the personal data (the line points back to the raw drop).
    /// </summary>
    private (DatasetRecord?, QuarantinedRecord?) Quarantine(QuarantinedRecord rejection) => Count(Redacted(rejection));

    private (DatasetRecord?, QuarantinedRecord?) Count(QuarantinedRecord rejection)
    {
        Counts.Quarantined++;
        Counts.QuarantinedByRule[rejection.Rule] = Counts.QuarantinedByRule.GetValueOrDefault(rejection.Rule) + 1;
        return (null, rejection);
    }

    /// <summary>
    /// The quarantine entry of a duplicate of the record on <paramref name="firstLine"/>: its fields are the record as it
    /// would have been accepted (cleaned, typed and redacted, the text field in its place), so nothing in it needs redacting.
    /// </summary>
    internal QuarantinedRecord DuplicateRecord(long line, long firstLine, IReadOnlyDictionary<string, object?>? fields) =>
        new(line, "dedup", _source.TextField, $"same content as line {firstLine}", fields) { DuplicateOf = firstLine };

    /// <summary>The fields of an accepted record as a duplicate's quarantine entry holds them: schema order, the text field in its place.</summary>
    internal Dictionary<string, object?> AcceptedFields(DatasetRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var fields = new Dictionary<string, object?>(_source.Schema.Count, StringComparer.Ordinal);
        foreach (var field in _source.Schema)
        {
            fields[field.Name] = field.Name == _source.TextField ? record.Text : record.Fields.GetValueOrDefault(field.Name);
        }

        return fields;
    }

    /// <summary>A rejection with its fields and reason redacted as quarantine stores them (unchanged without redaction).</summary>
    internal QuarantinedRecord Redacted(QuarantinedRecord rejection)
    {
        if (_redactor is null)
        {
            return rejection;
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
        return rejection with { Reason = _redactor.Redact(rejection.Reason, uncounted), Fields = fields };
    }

    /// <summary>Lines of accepted records that replace a previous version's record of the same id (when set: a shard's run).</summary>
    internal ISet<long>? UpdatedLines { get; init; }

    /// <summary>
    /// What earlier shards of the drop registered: content keys (with the line of their first record) and unique-rule
    /// values that this shard also holds. A seeded run decides dedup and <c>unique</c> as the whole drop's run would.
    /// </summary>
    internal void Seed(IEnumerable<(byte Kind, UInt128 Hash, long Line)> registrations)
    {
        foreach (var (kind, hash, line) in registrations)
        {
            if (kind == DedupKind)
            {
                _seenContent[hash] = line;
                _seededContent.Add(hash);
            }
            else
            {
                _validator.Seed(kind - 1, hash);
            }
        }
    }

    /// <summary>The registration kind of a content key; a unique rule's values are 1 + the rule's index.</summary>
    internal const byte DedupKind = 0;

    /// <summary>
    /// What this run registered (not what it was seeded with): each content key it saw first, with that record's line,
    /// and each value of a unique rule (line 0).
    /// </summary>
    internal IEnumerable<(byte Kind, UInt128 Hash, long Line)> Registrations()
    {
        foreach (var (key, line) in _seenContent)
        {
            if (!_seededContent.Contains(key))
            {
                yield return (DedupKind, key, line);
            }
        }

        foreach (var (rule, hash) in _validator.UniqueValues())
        {
            yield return ((byte)(rule + 1), hash, 0);
        }
    }


    internal static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// XxHash128 of the text lower-cased with whitespace runs collapsed to one space and trimmed (what dedup and the
    /// content hash compare), computed without building the normalized string.
    /// </summary>
    private static UInt128 NormalizedHash(string text)
    {
        var hash = new XxHash128();
        Span<char> buffer = stackalloc char[512];
        var length = 0;
        var space = false;
        var started = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = started;
                continue;
            }

            if (length + 2 > buffer.Length)
            {
                hash.Append(MemoryMarshal.AsBytes(buffer[..length]));
                length = 0;
            }

            if (space)
            {
                buffer[length++] = ' ';
                space = false;
            }

            buffer[length++] = char.ToLowerInvariant(c);
            started = true;
        }

        hash.Append(MemoryMarshal.AsBytes(buffer[..length]));
        return hash.GetCurrentHashAsUInt128();
    }
}
