using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Ingestion.Reading;
using LlmOps.Ingestion.Validation;
using LlmOps.Lifecycle;
using LlmOps.Storage;

namespace LlmOps.Labeling;

/// <summary>
/// Reads label files for a project: a Label Studio JSON export (<c>.json</c>: tasks with <c>annotations[].result[]</c>
/// of type choices, rating, number, textarea or taxonomy, by <c>from_name</c>; <c>completed_by</c> as a user id or an
/// object with an email; cancelled annotations counted and skipped), or rows of item, annotator, field, value
/// (<c>.csv</c> or <c>.jsonl</c>, optionally <c>.gz</c>; a multi-label value as a JSON array or a|b|c). Every answer is
/// checked against the project: an unknown item (when the project's task sets are known), annotator or field, a value
/// outside the schema, or the same annotator answering the same field of the same item twice in one file is
/// quarantined with the reason; the rest are accepted.
/// </summary>
public static class LabelImporter
{
    public static Task<LabelImport> ReadAsync(Stream stream, string name, LabelingProject project, IReadOnlySet<string>? knownItems = null, CancellationToken cancellationToken = default) =>
        ReadAsync(stream, name, new Checker(project ?? throw new ArgumentNullException(nameof(project)), knownItems, gold: false), cancellationToken);

    /// <summary>
    /// Reads a project's gold answers: rows of item, field, value (no annotator; any given is ignored), checked like
    /// labels, each accepted answer under the annotator <see cref="LabelQualityEvaluator.GoldAnnotator"/>.
    /// </summary>
    public static Task<LabelImport> ReadGoldAsync(Stream stream, string name, LabelingProject project, CancellationToken cancellationToken = default) =>
        ReadAsync(stream, name, new Checker(project ?? throw new ArgumentNullException(nameof(project)), null, gold: true), cancellationToken);

    /// <summary>The project's gold answers from its gold source in the labels container; none when the file is not there.</summary>
    public static async Task<LabelImport> ReadGoldAsync(Storage.StorageAccount storage, LabelingProject project, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(project);
        try
        {
            await using var content = await storage.Container(Storage.StorageNames.LabelsContainer).GetBlobClient(project.GoldSource).OpenStreamAsync(cancellationToken: cancellationToken);
            return await ReadGoldAsync(content, project.GoldSource, project, cancellationToken);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return new LabelImport([], [], 0);
        }
    }

    private static async Task<LabelImport> ReadAsync(Stream stream, string name, Checker check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        var project = check.Project;
        var bare = DropReader.IsGzip(name) ? name[..^3] : name;
        if (bare.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            await ReadLabelStudioAsync(stream, name, check, cancellationToken);
        }
        else
        {
            await foreach (var row in DropReader.ReadAsync(stream, name, SourceFormat.Auto, cancellationToken))
            {
                if (row.Fields is null)
                {
                    check.Reject(row.Line, "readable", null, row.Error ?? "unreadable row", null, null, null);
                    continue;
                }

                var item = Text(row.Fields, "item");
                var annotator = check.Gold ? LabelQualityEvaluator.GoldAnnotator : Text(row.Fields, "annotator");
                var field = Text(row.Fields, "field");
                if (item is null || annotator is null || field is null)
                {
                    check.Reject(row.Line, "required", null, "a row needs item, annotator and field (and value)", item, annotator, field);
                    continue;
                }

                row.Fields.TryGetValue("value", out var value);
                check.Add(row.Line, item, annotator, field, Values(value, project.Field(field)));
            }
        }

        return new LabelImport(check.Accepted, check.Quarantined, check.Cancelled);
    }

    private static async Task ReadLabelStudioAsync(Stream stream, string name, Checker check, CancellationToken cancellationToken)
    {
        // Gzip through the same integrity stream as drops: CRC and size checked, decompression bombs refused.
        Stream input = DropReader.IsGzip(name) ? new GzipIntegrityStream(new NonDisposingStream(stream), DecompressionLimits.Default, name) : stream;
        await using var owned = ReferenceEquals(input, stream) ? null : input;
        long index = 0;
        try
        {
            await foreach (var task in JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(input, cancellationToken: cancellationToken))
            {
                index++;
                ReadTask(task, index, check);
            }
        }
        catch (JsonException ex)
        {
            throw LlmOpsException.Invalid($"'{name}' is not a Label Studio JSON export (a JSON array of tasks): {ex.Message}", ex);
        }
        catch (InvalidDataException ex)
        {
            throw new UnreadableDropException($"'{name}' is not valid gzip: {ex.Message}", ex);
        }
    }

    private static void ReadTask(JsonElement task, long index, Checker check)
    {
        if (task.ValueKind != JsonValueKind.Object)
        {
            check.Reject(index, "readable", null, $"task {index} is not a JSON object", null, null, null);
            return;
        }

        // The item: data.item (as our task sets write it), else data.id, else the task's own id.
        var data = task.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
        var item = Scalar(data, "item") ?? Scalar(data, "id") ?? Scalar(task, "id");
        if (item is null)
        {
            check.Reject(index, "required", null, $"task {index} has no data.item, data.id or id", null, null, null);
            return;
        }

        if (!task.TryGetProperty("annotations", out var annotations) || annotations.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var annotation in annotations.EnumerateArray())
        {
            if (annotation.TryGetProperty("was_cancelled", out var cancelled) && cancelled.ValueKind == JsonValueKind.True)
            {
                check.Cancelled++;
                continue;
            }

            var annotator = Annotator(annotation, check.Project);
            if (annotator is null)
            {
                check.Reject(index, "unknown_annotator", null, $"task {index}: completed_by is missing", item, null, null);
                continue;
            }

            if (!annotation.TryGetProperty("result", out var results) || results.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var result in results.EnumerateArray())
            {
                var field = Scalar(result, "from_name");
                if (field is null)
                {
                    check.Reject(index, "unknown_field", null, $"task {index}: a result without from_name", item, annotator, null);
                    continue;
                }

                var type = Scalar(result, "type") ?? "";
                var value = result.TryGetProperty("value", out var v) ? v : default;
                IReadOnlyList<string>? values = type switch
                {
                    "choices" => Strings(value, "choices"),
                    "rating" => Scalar(value, "rating") is { } rating ? [rating] : null,
                    "number" => Scalar(value, "number") is { } number ? [number] : null,
                    "textarea" => Strings(value, "text") is { } text ? [string.Join("\n", text)] : null,
                    // A taxonomy answer is a list of paths; the label is each path's last node.
                    "taxonomy" => value.ValueKind == JsonValueKind.Object && value.TryGetProperty("taxonomy", out var paths) && paths.ValueKind == JsonValueKind.Array
                        ? [.. paths.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.Array && p.GetArrayLength() > 0).Select(p => p[p.GetArrayLength() - 1].ToString())]
                        : null,
                    _ => null,
                };
                if (values is null)
                {
                    check.Reject(index, "value", field, $"task {index}: result type '{type}' with no readable value (choices, rating, number, textarea and taxonomy are read)", item, annotator, field);
                    continue;
                }

                check.Add(index, item, annotator, field, values);
            }
        }
    }

    /// <summary>completed_by as an object (email, or id) or a user id, matched to the project's annotators by name, email or its local part.</summary>
    private static string? Annotator(JsonElement annotation, LabelingProject project)
    {
        if (!annotation.TryGetProperty("completed_by", out var by))
        {
            return null;
        }

        var candidates = by.ValueKind == JsonValueKind.Object
            ? new[] { Scalar(by, "email"), Scalar(by, "email")?.Split('@')[0], Scalar(by, "id") }
            : [Scalar(annotation, "completed_by")];
        return candidates.FirstOrDefault(c => c is not null && project.Annotators.Contains(c, StringComparer.Ordinal)) ?? candidates.FirstOrDefault(c => c is not null);
    }

    private static string? Scalar(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => null,
            }
            : null;

    private static List<string>? Strings(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText())]
            : null;

    private static string? Text(IReadOnlyDictionary<string, object?> row, string key) =>
        row.TryGetValue(key, out var value) && Convert.ToString(value, CultureInfo.InvariantCulture) is { Length: > 0 } text ? text : null;

    /// <summary>A row's value: a JSON array (JSON Lines keep it as its text) or a|b|c for a multi-label field, else the one value.</summary>
    private static IReadOnlyList<string> Values(object? value, LabelField? field)
    {
        var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        if (field?.Kind != LabelFieldKind.MultiLabel)
        {
            return [text];
        }

        if (text.StartsWith('['))
        {
            try
            {
                return JsonSerializer.Deserialize<List<string>>(text) ?? [];
            }
            catch (JsonException)
            {
                return [text];
            }
        }

        return text.Length == 0 ? [] : text.Split('|');
    }

    /// <summary>Checks each answer against the project, once per (item, annotator, field) in the file.</summary>
    private sealed class Checker(LabelingProject project, IReadOnlySet<string>? knownItems, bool gold)
    {
        public bool Gold => gold;

        private readonly HashSet<(string, string, string)> _seen = [];

        public LabelingProject Project => project;

        public List<LabelAnswer> Accepted { get; } = [];

        public List<QuarantinedRecord> Quarantined { get; } = [];

        public int Cancelled { get; set; }

        public void Add(long at, string item, string annotator, string fieldName, IReadOnlyList<string> values)
        {
            var field = project.Field(fieldName);
            string? problem = null, rule = null;
            if (knownItems is not null && !knownItems.Contains(item))
            {
                (rule, problem) = ("unknown_item", $"item '{item}' is in none of the project's task sets");
            }
            else if (!gold && !project.Annotators.Contains(annotator, StringComparer.Ordinal))
            {
                (rule, problem) = ("unknown_annotator", $"annotator '{annotator}' is not one of {string.Join(", ", project.Annotators)}");
            }
            else if (field is null)
            {
                (rule, problem) = ("unknown_field", $"field '{fieldName}' is not one of {string.Join(", ", project.Fields.Select(f => f.Name))}");
            }
            else if (ValueProblem(field, values) is { } bad)
            {
                (rule, problem) = ("value", bad);
            }
            else if (!_seen.Add((item, annotator, fieldName)))
            {
                (rule, problem) = ("duplicate", $"'{annotator}' answered '{fieldName}' of item '{item}' more than once in this file");
            }

            if (problem is null)
            {
                Accepted.Add(new LabelAnswer(item, annotator, fieldName, values));
            }
            else
            {
                Reject(at, rule!, fieldName, problem, item, annotator, string.Join("|", values));
            }
        }

        public void Reject(long at, string rule, string? field, string reason, string? item, string? annotator, string? value) =>
            Quarantined.Add(new QuarantinedRecord(at, rule, field, reason, new Dictionary<string, object?> { ["item"] = item, ["annotator"] = annotator, ["field"] = field, ["value"] = value }));
    }

    /// <summary>Why <paramref name="values"/> is not an answer of <paramref name="field"/>, or null when it is.</summary>
    public static string? ValueProblem(LabelField field, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(values);
        switch (field.Kind)
        {
            case LabelFieldKind.Categorical or LabelFieldKind.Ordinal:
                if (values.Count != 1)
                {
                    return $"'{field.Name}' takes one value, got {values.Count}";
                }

                return field.Values.Contains(values[0], StringComparer.Ordinal) ? null : $"'{values[0]}' is not one of {string.Join(", ", field.Values)}";
            case LabelFieldKind.MultiLabel:
                var unknown = values.FirstOrDefault(v => !field.Values.Contains(v, StringComparer.Ordinal));
                return unknown is not null ? $"'{unknown}' is not one of {string.Join(", ", field.Values)}"
                    : values.Distinct(StringComparer.Ordinal).Count() != values.Count ? $"'{field.Name}' lists a value twice" : null;
            case LabelFieldKind.Numeric:
                if (values.Count != 1 || !double.TryParse(values[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
                {
                    return $"'{field.Name}' takes a number, got '{string.Join("|", values)}'";
                }

                return number < field.Min || number > field.Max
                    ? $"{number.ToString(CultureInfo.InvariantCulture)} is outside {field.Min?.ToString(CultureInfo.InvariantCulture) ?? "any"} to {field.Max?.ToString(CultureInfo.InvariantCulture) ?? "any"}"
                    : null;
            default:
                return values.Count == 1 ? null : $"'{field.Name}' takes one text";
        }
    }
}
