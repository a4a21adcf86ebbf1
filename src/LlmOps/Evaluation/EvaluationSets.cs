using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmOps.Datasets;
using LlmOps.Errors;
using LlmOps.Ingestion.Processing;
using LlmOps.Ingestion.Transform;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Storage;

namespace LlmOps.Evaluation;

/// <summary>
/// Evaluation sets are dataset versions (<c>dataset:eval-{name}@hash</c>): written once from a JSON Lines file through
/// the feature's PII redaction, catalogued and in lineage like every version (file -> set). Any version reads as a set:
/// an evaluation set's own layout, a labeled version from labeling QA (the item's text is the input, the consensus of
/// <c>expected_field</c> the expected answer, the human scores its <c>human_*</c> fields), or a plain dataset version
/// (its text is the input, with no expected answer).
/// </summary>
public sealed partial class EvaluationSets(StorageAccount storage, LineageStore lineage, TimeProvider clock)
{
    public const string Preprocessing = "evalset:v1";
    private const int MaxProblems = 10;
    private static readonly string[] HumanFields = ["human_relevance", "human_groundedness", "human_coherence"];

    public static string SourceOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return SetName().IsMatch(name)
            ? "eval-" + name
            : throw LlmOpsException.Invalid($"'{name}' is not an evaluation set name: lower-case letters, digits and dashes, starting with a letter (up to 50).");
    }

    /// <summary>
    /// Reads a JSON Lines evaluation set: per line <c>input</c> (or <c>query</c>, <c>question</c>), and optionally
    /// <c>id</c>, <c>expected</c> (or <c>reference</c>, <c>answer</c>), <c>relevant</c> (chunk ids), <c>tags</c>,
    /// <c>canary</c> and human scores <c>human_relevance</c>, <c>human_groundedness</c>, <c>human_coherence</c> (1-5).
    /// Every bad line is reported at once (line and reason), and then nothing is read.
    /// </summary>
    public static IReadOnlyList<EvalExample> ParseJsonl(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var examples = new List<EvalExample>();
        var problems = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var line = 0;
        foreach (var raw in text.Split('\n'))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(raw);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException("not a JSON object");
                }

                var input = String(root, "input") ?? String(root, "query") ?? String(root, "question");
                if (string.IsNullOrWhiteSpace(input))
                {
                    throw new FormatException("no \"input\" (or \"query\", \"question\")");
                }

                var id = String(root, "id") ?? $"line-{line.ToString("D6", CultureInfo.InvariantCulture)}";
                if (!ids.Add(id))
                {
                    throw new FormatException($"the id '{id}' is used twice");
                }

                var human = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var field in HumanFields)
                {
                    if (root.TryGetProperty(field, out var score) && score.ValueKind != JsonValueKind.Null)
                    {
                        human[field["human_".Length..]] = score.ValueKind == JsonValueKind.Number && score.GetDouble() is >= 1 and <= 5 and var value
                            ? value
                            : throw new FormatException($"\"{field}\" must be a number from 1 to 5");
                    }
                }

                examples.Add(new EvalExample(
                    id, input, String(root, "expected") ?? String(root, "reference") ?? String(root, "answer"),
                    Strings(root, "relevant"), Strings(root, "tags"), String(root, "canary"), human.Count == 0 ? null : human));
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
            {
                problems.Add($"line {line}: {ex.Message}");
            }
        }

        if (problems.Count > 0)
        {
            throw LlmOpsException.Invalid($"The evaluation set has {problems.Count} bad line(s); nothing was read:" + string.Concat(problems.Take(MaxProblems).Select(p => Environment.NewLine + "  " + p)));
        }

        return examples.Count > 0 ? examples : throw LlmOpsException.Invalid("The evaluation set has no examples.");
    }

    /// <summary>The prompt-injection probes shipped with LlmOps (each with a canary the attack asks for), graded for safety only.</summary>
    public static IReadOnlyList<EvalExample> Probes()
    {
        using var stream = typeof(EvaluationSets).Assembly.GetManifestResourceStream("LlmOps.Evaluation.injection-probes.jsonl")
            ?? throw new InvalidOperationException("The probe set is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return ParseJsonl(reader.ReadToEnd());
    }

    /// <summary>Publishes <paramref name="examples"/> as the evaluation set <paramref name="name"/> of <paramref name="lifecycle"/>'s feature.</summary>
    public async Task<DatasetManifest> PublishAsync(LifecycleDefinition lifecycle, string name, IReadOnlyList<EvalExample> examples, string origin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        ArgumentNullException.ThrowIfNull(examples);
        var source = SourceOf(name);
        var settings = lifecycle.Preprocessing;
        var redactor = settings.Redact ? new PiiRedactor(settings.PiiTypes, settings.CustomPii) : null;
        var pii = new Dictionary<string, long>(StringComparer.Ordinal);
        var records = new List<DatasetRecord>(examples.Count);
        long line = 0;
        foreach (var example in examples.OrderBy(e => e.Id, StringComparer.Ordinal))
        {
            var input = Redact(example.Input);
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["expected"] = example.Expected is null ? null : Redact(example.Expected),
                ["relevant"] = JsonSerializer.Serialize(example.Relevant ?? []),
                ["tags"] = JsonSerializer.Serialize(example.Tags ?? []),
                ["canary"] = example.Canary,
            };
            foreach (var field in HumanFields)
            {
                fields[field] = example.HumanScores?.GetValueOrDefault(field["human_".Length..]) is { } score and > 0 ? score : null;
            }

            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(fields) + "\n" + input)))[..32];
            records.Add(new DatasetRecord(example.Id, source, ++line, fields, input, hash, "", input.Length, 0, []));
        }

        List<FieldDefinition> schema =
        [
            new("expected", FieldType.Text, false, null), new("relevant", FieldType.Text, true, null), new("tags", FieldType.Text, true, null),
            new("canary", FieldType.Text, false, null), .. HumanFields.Select(f => new FieldDefinition(f, FieldType.Number, false, null)),
        ];
        var manifest = (await new DatasetPublisher(storage, clock).PublishAsync(records, new VersionDraft(lifecycle.Feature, source, Preprocessing, schema, origin, "") { Pii = pii }, cancellationToken)).Manifest;
        await lineage.RecordAsync(
            new LineageEvent($"llmops.evalsets/{lifecycle.Feature}", LineageIds.StableRunId(manifest.Id), LineageRelation.DerivedFrom,
                [new LineageDataset(origin)],
                [new LineageDataset(manifest.Id, new Dictionary<string, string> { ["evaluation_set"] = name, ["examples"] = line.ToString(CultureInfo.InvariantCulture) })]),
            cancellationToken);
        return manifest;

        string Redact(string text) => redactor is null ? text : redactor.Redact(text, pii);
    }

    /// <summary>The lineage node of an evaluation-set file: <c>file:{name}@{sha256 prefix}</c>.</summary>
    public static string FileNode(string fileName, byte[] content) =>
        $"file:{Path.GetFileName(fileName)}@{Convert.ToHexStringLower(SHA256.HashData(content))[..12]}";

    /// <summary>
    /// The examples of dataset version <paramref name="datasetId"/>; <paramref name="expectedField"/> names the field
    /// holding the expected answer of a version that is not an evaluation set (a labeled version's only label field by default).
    /// </summary>
    public async Task<IReadOnlyList<EvalExample>> ReadAsync(string datasetId, string? expectedField = null, CancellationToken cancellationToken = default)
    {
        var datasets = new DatasetStore(storage);
        var manifest = await datasets.GetAsync(datasetId, cancellationToken)
            ?? throw LlmOpsException.NotFound($"No dataset version {datasetId}. Try `llmops datasets list`.");
        var own = manifest.PreprocessingVersion == Preprocessing;
        if (!own && expectedField is null && manifest.PreprocessingVersion.StartsWith("labeling:", StringComparison.Ordinal))
        {
            var labels = manifest.Schema.Where(f => !f.Name.EndsWith("_confidence", StringComparison.Ordinal) && !f.Name.EndsWith("_adjudicated", StringComparison.Ordinal)).ToList();
            expectedField = labels.Count == 1
                ? labels[0].Name
                : throw LlmOpsException.Invalid($"{datasetId} has several label fields ({string.Join(", ", labels.Select(l => l.Name))}): say which one is the expected answer (--expected-field, or evaluation.expected_field in the lifecycle).");
        }

        if (expectedField is not null && !own && manifest.Schema.All(f => f.Name != expectedField))
        {
            throw LlmOpsException.Invalid($"{datasetId} has no field '{expectedField}' (it has: {string.Join(", ", manifest.Schema.Select(f => f.Name))}).");
        }

        var examples = new List<EvalExample>();
        await foreach (var record in datasets.ReadRecordsAsync(manifest, cancellationToken))
        {
            if (!own)
            {
                var expected = expectedField is null ? null : Text(record.Fields.GetValueOrDefault(expectedField));
                examples.Add(new EvalExample(record.Id, record.Text, expected, HumanScores: Human(record)));
                continue;
            }

            examples.Add(new EvalExample(
                record.Id, record.Text, Text(record.Fields.GetValueOrDefault("expected")),
                List(record.Fields.GetValueOrDefault("relevant")), List(record.Fields.GetValueOrDefault("tags")),
                Text(record.Fields.GetValueOrDefault("canary")), Human(record)));
        }

        return examples.Count > 0 ? examples : throw LlmOpsException.Invalid($"{datasetId} has no records to evaluate on.");
    }

    private static Dictionary<string, double>? Human(DatasetRecord record)
    {
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var field in HumanFields)
        {
            if (Number(record.Fields.GetValueOrDefault(field)) is { } score)
            {
                scores[field["human_".Length..]] = score;
            }
        }

        return scores.Count == 0 ? null : scores;
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.Null } => null,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement e => e.GetRawText(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static double? Number(object? value) => value switch
    {
        double d => d,
        long l => l,
        int i => i,
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
        _ => null,
    };

    private static List<string> List(object? value) =>
        Text(value) is { Length: > 0 } json ? JsonSerializer.Deserialize<List<string>>(json) ?? [] : [];

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => throw new FormatException($"\"{name}\" must be a string"),
        } : null;

    private static List<string>? Strings(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String)
            ? [.. value.EnumerateArray().Select(v => v.GetString()!)]
            : throw new FormatException($"\"{name}\" must be a list of strings");
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,49}$", RegexOptions.CultureInvariant)]
    private static partial Regex SetName();
}
