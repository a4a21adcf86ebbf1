using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LlmOps.Feedback.Otlp;

/// <summary>
/// Maps OpenTelemetry GenAI spans (semantic conventions: <c>gen_ai.operation.name</c>, <c>gen_ai.request.model</c>,
/// <c>gen_ai.response.model</c>, <c>gen_ai.provider.name</c> or <c>gen_ai.system</c>, <c>gen_ai.usage.input_tokens</c>,
/// <c>gen_ai.usage.output_tokens</c>, <c>gen_ai.response.finish_reasons</c>, and with sensitive data on,
/// <c>gen_ai.input.messages</c> / <c>gen_ai.output.messages</c> or the older message events) to trace drafts, as an
/// application instrumented with Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c> reports them. The feature is the
/// span's or resource's <c>llmops.feature</c>, else the resource's <c>service.name</c>; <c>llmops.deployment</c> and
/// <c>llmops.prompt_version</c> carry the deployment and prompt version, <c>llmops.safety_flags</c> the guardrails that
/// fired, <c>llmops.shadow</c> and <c>llmops.shadow_of</c> a shadow answer and the request it shadowed. Embedding calls
/// (<c>embeddings</c>) become traces of that operation, priced but left out of the answer statistics. The trace id is
/// <c>{trace id}-{span id}</c> (one per model call). Spans of other operations are not GenAI answers and are skipped.
/// </summary>
public static class GenAiSpanMapper
{
    private static readonly string[] AnswerOperations = ["chat", "text_completion", "generate_content", "invoke_agent"];

    /// <summary>Whether the span is a model call this maps: an answer, or an embedding call (a trace of operation <c>embeddings</c>).</summary>
    public static bool IsModelCall(OtlpSpan span)
    {
        ArgumentNullException.ThrowIfNull(span);
        return span.Attributes.TryGetValue("gen_ai.operation.name", out var operation) && operation is string name
            && (AnswerOperations.Contains(name, StringComparer.Ordinal) || name == Trace.Embeddings);
    }

    public static Trace Map(OtlpSpan span, Governance.SubjectKey subjects)
    {
        ArgumentNullException.ThrowIfNull(span);
        if (span.TraceId.Length == 0 || span.SpanId.Length == 0)
        {
            throw new FormatException("the span has no trace or span id");
        }

        var feature = Text(span.Attributes, "llmops.feature") ?? Text(span.Resource, "llmops.feature") ?? Text(span.Resource, "service.name")
            ?? throw new FormatException("no feature: set the resource attribute llmops.feature (or service.name)");
        var finish = span.Attributes.GetValueOrDefault("gen_ai.response.finish_reasons") switch
        {
            List<object?> reasons => reasons.OfType<string>().ToList(),
            string reason => [reason],
            _ => [],
        };
        var failed = span.StatusCode == 2;
        var flags = span.Attributes.GetValueOrDefault("llmops.safety_flags") switch
        {
            List<object?> list => list.OfType<string>().ToList(),
            string one when one.Length > 0 => [.. one.Split(',')],
            _ => [],
        };
        if (finish.Contains("content_filter", StringComparer.Ordinal))
        {
            flags.Add("content_filter");
        }

        var operation = Text(span.Attributes, "gen_ai.operation.name") == Trace.Embeddings ? Trace.Embeddings : null;
        var time = DateTimeOffset.UnixEpoch.AddTicks((long)(span.StartUnixNano / 100));
        return new Trace(
            $"{span.TraceId}-{span.SpanId}",
            time,
            feature,
            Text(span.Attributes, "llmops.deployment") ?? Text(span.Resource, "llmops.deployment"),
            Text(span.Attributes, "llmops.prompt_version"),
            Text(span.Attributes, "gen_ai.response.model") ?? Text(span.Attributes, "gen_ai.request.model"),
            Text(span.Attributes, "gen_ai.provider.name") ?? Text(span.Attributes, "gen_ai.system"),
            Messages(span, "gen_ai.input.messages", "user"),
            Messages(span, "gen_ai.output.messages", "assistant"),
            [],
            span.EndUnixNano > span.StartUnixNano ? (span.EndUnixNano - span.StartUnixNano) / 1e6 : null,
            Number(span.Attributes, "gen_ai.usage.input_tokens"),
            Number(span.Attributes, "gen_ai.usage.output_tokens"),
            Number(span.Attributes, "gen_ai.usage.cached_input_tokens") ?? Number(span.Attributes, "gen_ai.usage.cache_read.input_tokens"),
            Number(span.Attributes, "gen_ai.usage.reasoning_tokens") ?? Number(span.Attributes, "gen_ai.usage.reasoning.output_tokens"),
            null,
            failed ? Trace.Failed : Trace.Ok,
            failed ? span.StatusMessage ?? Text(span.Attributes, "error.type") ?? "error" : null,
            [.. flags.Distinct(StringComparer.Ordinal)],
            Text(span.Attributes, "user.id") is { } user ? subjects.Hash("user", user) : null,
            Text(span.Attributes, "session.id") is { } session ? subjects.Hash("session", session) : null,
            span.Attributes.GetValueOrDefault("llmops.shadow") is true or "true",
            Text(span.Attributes, "llmops.shadow_of"),
            operation);
    }

    /// <summary>The text of the messages of <paramref name="role"/>: from the JSON attribute, else from the older events.</summary>
    private static string? Messages(OtlpSpan span, string attribute, string role)
    {
        if (Text(span.Attributes, attribute) is { } json)
        {
            try
            {
                using var document = JsonDocument.Parse(json);
                var text = new StringBuilder();
                foreach (var message in document.RootElement.EnumerateArray())
                {
                    if (message.TryGetProperty("role", out var r) && r.GetString() == role && message.TryGetProperty("parts", out var parts))
                    {
                        foreach (var part in parts.EnumerateArray())
                        {
                            if (part.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                            {
                                text.Append(text.Length == 0 ? "" : "\n").Append(content.GetString());
                            }
                        }
                    }
                }

                return text.Length == 0 ? null : text.ToString();
            }
            catch (JsonException)
            {
                return json; // not the structured form: keep what was sent
            }
        }

        var eventName = role == "user" ? "gen_ai.user.message" : "gen_ai.choice";
        var contents = span.Events.Where(e => e.Name == eventName).Select(e => Text(e.Attributes, "content") ?? Text(e.Attributes, "message")).OfType<string>().ToList();
        return contents.Count == 0 ? null : string.Join("\n", contents);
    }

    private static string? Text(IReadOnlyDictionary<string, object?> attributes, string key) =>
        attributes.TryGetValue(key, out var value) && value is not null
            ? value as string ?? Convert.ToString(value, CultureInfo.InvariantCulture)
            : null;

    private static long? Number(IReadOnlyDictionary<string, object?> attributes, string key) =>
        attributes.TryGetValue(key, out var value) ? value switch
        {
            long l => l,
            double d => (long)d,
            string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        } : null;
}
