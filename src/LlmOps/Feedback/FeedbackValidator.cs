using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmOps.Evaluation;
using LlmOps.Ingestion.Transform;
using LlmOps.Lifecycle;

namespace LlmOps.Feedback;

/// <summary>
/// The one validation path of feedback, whichever way it came (HTTP JSON, OpenTelemetry spans, bulk files): an item is
/// read into a draft (<see cref="ReadTrace"/>, <see cref="ReadScore"/>, or built by a mapper), then
/// <see cref="Complete"/> checks it against its feature's lifecycle, redacts PII from the texts (a leak in the answer
/// is a safety flag), and prices it. Every problem is a reason the item is rejected with; the others go on.
/// Field names are camelCase (Langfuse's), snake_case accepted.
/// </summary>
public static partial class FeedbackValidator
{
    public const int MaxIdLength = 200;

    /// <summary>A trace from its JSON object, not yet checked against its feature (<see cref="Complete"/>).</summary>
    public static Trace ReadTrace(JsonElement item, DateTimeOffset now, Governance.SubjectKey subjects)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("not a JSON object");
        }

        var retrieved = new List<TraceChunk>();
        if (Property(item, "retrieved") is { ValueKind: JsonValueKind.Array } chunks)
        {
            foreach (var chunk in chunks.EnumerateArray())
            {
                retrieved.Add(chunk.ValueKind == JsonValueKind.String
                    ? new TraceChunk(chunk.GetString()!, null)
                    : new TraceChunk(String(chunk, "chunkId") ?? throw new FormatException("a retrieved chunk needs chunkId"), Number(chunk, "score")));
            }
        }

        // Tokens flat (inputTokens...) or in a usage object (input, output, cachedInput, reasoning, or the flat names).
        var usage = Property(item, "usage") is { ValueKind: JsonValueKind.Object } u ? u : (JsonElement?)null;
        var error = String(item, "error");
        return new Trace(
            Id(String(item, "id")),
            Time(item, now),
            String(item, "feature") ?? throw new FormatException("no \"feature\""),
            String(item, "deployment"),
            String(item, "promptVersion"),
            String(item, "model"),
            String(item, "provider"),
            String(item, "input"),
            String(item, "output"),
            retrieved,
            NonNegative(item, "latencyMs"),
            Tokens(item, usage, "inputTokens", "input"),
            Tokens(item, usage, "outputTokens", "output"),
            Tokens(item, usage, "cachedInputTokens", "cachedInput"),
            Tokens(item, usage, "reasoningTokens", "reasoning"),
            NonNegative(item, "costUsd"),
            String(item, "status")?.ToLowerInvariant() ?? (error is null ? Trace.Ok : Trace.Failed),
            error,
            [],
            String(item, "userHash") ?? subjects.Hash("user", String(item, "userId")),
            String(item, "sessionHash") ?? subjects.Hash("session", String(item, "sessionId")),
            Property(item, "shadow") is { ValueKind: JsonValueKind.True },
            String(item, "shadowOf"),
            String(item, "operation"));
    }

    /// <summary>A score from its JSON object; the data type follows the value when not given.</summary>
    public static Score ReadScore(JsonElement item, DateTimeOffset now)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("not a JSON object");
        }

        var value = Property(item, "value") ?? throw new FormatException("no \"value\"");
        var dataType = String(item, "dataType")?.ToUpperInvariant() ?? value.ValueKind switch
        {
            JsonValueKind.True or JsonValueKind.False => Score.Boolean,
            JsonValueKind.Number => Score.Numeric,
            _ => Score.Categorical,
        };
        if (!Score.DataTypes.Contains(dataType))
        {
            throw new FormatException($"\"dataType\" must be one of {string.Join(", ", Score.DataTypes)}");
        }

        double? number = null;
        string? category = null;
        switch (dataType)
        {
            case Score.Numeric when value.ValueKind == JsonValueKind.Number && double.IsFinite(value.GetDouble()):
                number = value.GetDouble();
                break;
            case Score.Boolean when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                number = value.GetBoolean() ? 1 : 0;
                break;
            case Score.Boolean when value.ValueKind == JsonValueKind.Number && value.GetDouble() is 0 or 1:
                number = value.GetDouble();
                break;
            case Score.Categorical when value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0:
                category = value.GetString();
                break;
            default:
                throw new FormatException($"a {dataType} score needs {(dataType == Score.Numeric ? "a finite number" : dataType == Score.Boolean ? "true, false, 1 or 0" : "a non-empty string")} as \"value\"");
        }

        var source = String(item, "source")?.ToUpperInvariant() ?? Score.Human;
        if (!Score.Sources.Contains(source))
        {
            throw new FormatException($"\"source\" must be one of {string.Join(", ", Score.Sources)}");
        }

        var name = String(item, "name") ?? throw new FormatException("no \"name\"");
        if (!ScoreName().IsMatch(name))
        {
            throw new FormatException("\"name\" must be lower-case letters, digits and '_' (up to 64)");
        }

        return new Score(
            Id(String(item, "id")), Id(String(item, "traceId"), "traceId"), String(item, "chunkId"), name, dataType, number, category, source,
            String(item, "comment"), String(item, "correction"), Time(item, now));
    }

    /// <summary>
    /// Checks a trace against its feature's lifecycle (null: the feature has none, which rejects it), redacts PII from its
    /// input, output and error (a PII kind found in the output becomes the flag <c>pii_leak:kind</c>), and prices it from
    /// the lifecycle's costs when it carries no cost.
    /// </summary>
    public static Trace Complete(Trace draft, LifecycleDefinition? lifecycle)
    {
        ArgumentNullException.ThrowIfNull(draft);
        if (lifecycle is null)
        {
            throw new FormatException($"feature '{draft.Feature}' has no published lifecycle");
        }

        if (draft.Status is not (Trace.Ok or Trace.Failed))
        {
            throw new FormatException($"\"status\" must be {Trace.Ok} or {Trace.Failed}");
        }

        if (draft.PromptVersion is { } prompt && !PromptVersion().IsMatch(prompt))
        {
            throw new FormatException("\"promptVersion\" must be a registered prompt version (prompt:<name>/<n>)");
        }

        if (draft.Deployment is { } deployment && !deployment.StartsWith("deploy:", StringComparison.Ordinal))
        {
            throw new FormatException("\"deployment\" must be a deployment id (deploy:<env>/...)");
        }

        var settings = lifecycle.Preprocessing;
        var redactor = new PiiRedactor(settings.PiiTypes, settings.CustomPii);
        var leaked = new Dictionary<string, long>(StringComparer.Ordinal);
        var output = draft.Output is null ? null : redactor.Redact(draft.Output, leaked);
        var ignored = new Dictionary<string, long>(StringComparer.Ordinal);
        var flags = leaked.Keys.Order(StringComparer.Ordinal).Select(kind => "pii_leak:" + kind).ToList();
        var cost = draft.CostUsd;
        if (cost is null && draft.Model is { } model && lifecycle.Costs.TryGetValue(model, out var price) && (draft.InputTokens is not null || draft.OutputTokens is not null))
        {
            cost = price.Cost(draft.InputTokens ?? 0, draft.OutputTokens ?? 0, draft.CachedInputTokens ?? 0);
        }

        return draft with
        {
            Input = draft.Input is null || !settings.Redact ? draft.Input : redactor.Redact(draft.Input, ignored),
            Output = settings.Redact ? output : draft.Output,
            Error = draft.Error is null || !settings.Redact ? draft.Error : redactor.Redact(draft.Error, ignored),
            SafetyFlags = [.. draft.SafetyFlags.Union(flags, StringComparer.Ordinal)],
            CostUsd = cost,
        };
    }

    /// <summary>Redacts PII from a score's comment and correction (with every kind LlmOps knows: a score names no feature).</summary>
    public static Score Complete(Score draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var redactor = Redactor.Value;
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        return draft with
        {
            Comment = draft.Comment is null ? null : redactor.Redact(draft.Comment, counts),
            Correction = draft.Correction is null ? null : redactor.Redact(draft.Correction, counts),
        };
    }

    private static readonly Lazy<PiiRedactor> Redactor = new(() => new PiiRedactor(PreprocessingSettings.KnownPiiTypes, []));

    private static string Id(string? id, string field = "id")
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new FormatException($"no \"{field}\"");
        }

        return id.Length <= MaxIdLength && !id.Any(char.IsControl)
            ? id
            : throw new FormatException($"\"{field}\" must be at most {MaxIdLength} characters without control characters");
    }

    private static DateTimeOffset Time(JsonElement item, DateTimeOffset now)
    {
        var text = String(item, "timestamp") ?? String(item, "time");
        if (text is null)
        {
            return now;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.ToUniversalTime()
            : throw new FormatException("\"timestamp\" must be an ISO 8601 time");
    }

    private static JsonElement? Property(JsonElement item, string camel)
    {
        if (item.TryGetProperty(camel, out var value) || item.TryGetProperty(Snake(camel), out value))
        {
            return value.ValueKind == JsonValueKind.Null ? null : value;
        }

        return null;
    }

    private static string? String(JsonElement item, string name) => Property(item, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { ValueKind: JsonValueKind.Number } value => value.GetRawText(),
        _ => throw new FormatException($"\"{name}\" must be a string"),
    };

    private static double? Number(JsonElement item, string name) => Property(item, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when double.IsFinite(value.GetDouble()) => value.GetDouble(),
        _ => throw new FormatException($"\"{name}\" must be a number"),
    };

    private static double? NonNegative(JsonElement item, string name) =>
        Number(item, name) is { } value && value < 0 ? throw new FormatException($"\"{name}\" must not be negative") : Number(item, name);

    private static long? Count(JsonElement item, string name) => Property(item, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt64(out var count) && count >= 0 => count,
        _ => throw new FormatException($"\"{name}\" must be a whole number, not negative"),
    };

    private static long? Tokens(JsonElement item, JsonElement? usage, string flat, string brief) =>
        usage is { } inUsage ? Count(inUsage, flat) ?? Count(inUsage, brief) : Count(item, flat);

    private static string Snake(string camel) => SnakeBoundary().Replace(camel, "$1_$2").ToLowerInvariant();

    [GeneratedRegex("([a-z0-9])([A-Z])", RegexOptions.CultureInvariant)]
    private static partial Regex SnakeBoundary();

    [GeneratedRegex("^prompt:[a-z0-9][a-z0-9._-]{0,127}/[1-9][0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PromptVersion();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ScoreName();
}
