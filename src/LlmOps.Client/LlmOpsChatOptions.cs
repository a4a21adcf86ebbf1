using Microsoft.Extensions.AI;

namespace LlmOps.Client;

/// <summary>Per-call inputs of the middleware, carried in <see cref="ChatOptions.AdditionalProperties"/> and removed before the inner client sees them.</summary>
public static class LlmOpsChatOptions
{
    public const string UnitKey = "llmops.unit";
    public const string VariablesKey = "llmops.variables";
    public const string RetrievedKey = "llmops.retrieved";

    /// <summary>What the middleware answers in <see cref="ChatResponse.AdditionalProperties"/>: the trace id to post scores for.</summary>
    public const string TraceIdKey = "llmops.trace_id";

    public const string PromptVersionKey = "llmops.prompt_version";
    public const string DeploymentKey = "llmops.deployment";
    public const string GuardFlagsKey = "llmops.guard";

    /// <summary>
    /// The call's unit (a stable user or session id: the same unit always gets the same version of a canary split),
    /// the template's variables, and the chunk ids retrieved for it (so citations of other chunks are caught).
    /// </summary>
    public static ChatOptions WithLlmOps(this ChatOptions? options, string unit, IReadOnlyDictionary<string, string>? variables = null, IEnumerable<string>? retrieved = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(unit);
        options ??= new ChatOptions();
        options.AdditionalProperties ??= [];
        options.AdditionalProperties[UnitKey] = unit;
        if (variables is not null)
        {
            options.AdditionalProperties[VariablesKey] = variables;
        }

        if (retrieved is not null)
        {
            options.AdditionalProperties[RetrievedKey] = retrieved.ToList();
        }

        return options;
    }

    /// <summary>The LlmOps trace id of an answer the middleware produced (post scores and feedback with it), or null.</summary>
    public static string? LlmOpsTraceId(this ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.AdditionalProperties?.TryGetValue(TraceIdKey, out var id) == true ? id as string : null;
    }
}
