using System.Collections.Concurrent;
using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Lifecycle;
using LlmOps.Triggers;

namespace LlmOps.Guardrails;

/// <summary>
/// <c>POST /api/guard</c>: <c>{"feature", "stage": "input"|"output", "text", "retrieved": [chunk ids]?}</c>, or
/// <c>"texts": [...]</c> for a batch of up to <see cref="MaxTexts"/>, checked against the feature's lifecycle
/// <c>guardrails</c>. Answers <c>{"action": "allow"|"redact"|"block", "text" (the redacted text, only for redact),
/// "rules": [{rule, action, detail}]}</c> (a batch: <c>{"results": [...]}</c>). The feature's guard is built once and rebuilt when its lifecycle changes, read
/// again at most every <see cref="Refresh"/>. Reader access to the feature is required (a key or an identity).
/// </summary>
public sealed class GuardEndpoint(LifecycleCatalog lifecycles, Governance.ChangeControl governance, TimeProvider clock) : IHttpTriggerHandler
{
    public const int MaxTexts = 1000;
    public const int MaxBodyBytes = 4 << 20;

    /// <summary>How long a feature's guard is used before its lifecycle is read again.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, (Guard Guard, DateTimeOffset Read)> _guards = new(StringComparer.Ordinal);

    public async Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Body.Length > MaxBodyBytes)
        {
            return HttpTriggerResponse.Problem(413, "Request body too large", $"At most {MaxBodyBytes >> 20} MB per request; split the batch.");
        }

        GuardRequest body;
        try
        {
            body = JsonSerializer.Deserialize<GuardRequest>(request.Body.Span, JsonSerializerOptions.Web) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            return HttpTriggerResponse.Problem(400, "The body is not a guard request", "Send {\"feature\", \"stage\": \"input\"|\"output\", \"text\"}: " + ex.Message);
        }

        if (body.Feature is not { Length: > 0 } feature)
        {
            throw LlmOpsException.Invalid("feature is required: the lifecycle whose guardrails apply.");
        }

        if (body.Stage is not (GuardStage.Input or GuardStage.Output))
        {
            throw LlmOpsException.Invalid($"stage must be \"{GuardStage.Input}\" (the text sent to the model) or \"{GuardStage.Output}\" (its answer), not \"{body.Stage}\".");
        }

        if ((body.Text is null) == (body.Texts is null))
        {
            throw LlmOpsException.Invalid("Send either text (one) or texts (a batch).");
        }

        if (body.Texts is { Count: > MaxTexts })
        {
            throw LlmOpsException.Invalid($"At most {MaxTexts} texts per request ({body.Texts.Count} sent).");
        }

        await governance.DemandReadAsync(feature, "guard " + feature, cancellationToken);
        var guard = await GuardAsync(feature, cancellationToken);
        var retrieved = body.Retrieved is null ? null : new HashSet<string>(body.Retrieved, StringComparer.Ordinal);
        if (body.Text is { } text)
        {
            return HttpTriggerResponse.Json(Answer(guard.Check(body.Stage, text, retrieved)), options: AnswerJson);
        }

        return HttpTriggerResponse.Json(new { Results = body.Texts!.Select(t => Answer(guard.Check(body.Stage, t ?? "", retrieved))).ToList() }, options: AnswerJson);
    }

    private static readonly JsonSerializerOptions AnswerJson = new(JsonSerializerOptions.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The text goes back only when it was redacted: the caller has it otherwise.</summary>
    private static GuardAnswer Answer(GuardVerdict verdict) => new(verdict.Action, verdict.Action == GuardActions.Redact ? verdict.Text : null, verdict.Rules);

    private sealed record GuardAnswer(string Action, string? Text, IReadOnlyList<GuardFinding> Rules);

    /// <summary>The guard of <paramref name="feature"/>'s current lifecycle.</summary>
    public async Task<Guard> GuardAsync(string feature, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_guards.TryGetValue(feature, out var cached) && now - cached.Read < Refresh)
        {
            return cached.Guard;
        }

        var lifecycle = await lifecycles.GetAsync(feature, cancellationToken)
            ?? throw LlmOpsException.NotFound($"Feature '{feature}' has no published lifecycle (llmops lifecycle publish).");
        var policy = GuardPolicy.Of(lifecycle);
        var guard = cached.Guard is { } previous && previous.Policy.Equals(policy) ? previous : new Guard(policy);
        _guards[feature] = (guard, now);
        return guard;
    }

    private sealed record GuardRequest(string? Feature, string? Stage, string? Text, IReadOnlyList<string?>? Texts, IReadOnlyList<string>? Retrieved);
}
