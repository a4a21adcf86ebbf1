using System.Security.Cryptography;
using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Triggers;

namespace LlmOps.Registry;

/// <summary>
/// GET /api/prompts/{name}/resolve?unit=&lt;stable id&gt;&amp;env=prod: the prompt version an app should use for this unit
/// (a user or session id): the canary's for units in its share, else the stable deployment's, the same for the same
/// unit every time (<see cref="TrafficSplit.Route"/>); with its template, variables, the ids to report traces with, the
/// deployment's shadow version and the feature's guardrails. Without <c>unit</c>: the stable deployment with the canary
/// beside it, for a client that routes by itself (the <c>LlmOps.Client</c> middleware: one poll serves every unit).
/// The answer carries an ETag: a poll with <c>If-None-Match</c> gets 304 until a deployment, canary decision or split
/// changes what this unit gets.
/// </summary>
public sealed class PromptResolveEndpoint(ModelRegistry registry, Governance.ChangeControl governance, Lifecycle.LifecycleCatalog lifecycles) : IHttpTriggerHandler
{
    public const string DefaultEnvironment = "prod";

    /// <summary>Registered versions never change: each is read once (the split is read on every call).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RegistryVersion> _versions = new(StringComparer.Ordinal);

    public async Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var routed = Uri.UnescapeDataString(request.RouteValues.GetValueOrDefault("name") ?? "");
        var name = ModelRegistry.QualifiedName(routed.Contains(':', StringComparison.Ordinal) ? routed : "prompt:" + routed);
        var unit = request.Query.GetValueOrDefault("unit") is { Length: > 0 } u ? u : null;
        var environment = request.Query.GetValueOrDefault("env") is { Length: > 0 } e ? e : DefaultEnvironment;
        var item = await registry.GetAsync(name, cancellationToken) ?? throw LlmOpsException.NotFound($"Nothing is registered as '{name}'.");
        await governance.DemandReadAsync(item.Feature, $"resolve {name}", cancellationToken);

        var resolution = await ResolveAsync(name, unit, environment, item.Feature, cancellationToken);
        var body = JsonSerializer.SerializeToUtf8Bytes(resolution, JsonSerializerOptions.Web);
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(body))[..32] + "\"";
        var headers = new Dictionary<string, string> { ["ETag"] = etag, ["Cache-Control"] = "private, no-cache" };
        return request.Header("If-None-Match") is { } seen && seen.Split(',').Any(t => t.Trim() == etag)
            ? new HttpTriggerResponse(304, "application/json; charset=utf-8", ReadOnlyMemory<byte>.Empty) { Headers = headers }
            : new HttpTriggerResponse(200, "application/json; charset=utf-8", body) { Headers = headers };
    }

    /// <summary>
    /// What <paramref name="unit"/> gets from <paramref name="name"/> in <paramref name="environment"/> now, with
    /// <paramref name="feature"/>'s guardrails. Without a unit: the stable deployment, and the canary beside it in
    /// <see cref="PromptResolution.Canary"/>, for a client that routes units itself (<see cref="TrafficSplit.Bucket"/>).
    /// </summary>
    public async Task<PromptResolution> ResolveAsync(string name, string? unit, string environment, string? feature = null, CancellationToken cancellationToken = default)
    {
        var traffic = await registry.GetTrafficAsync(name, environment, cancellationToken);
        var deployment = (unit is null ? traffic.Stable : traffic.Route(unit))
            ?? throw LlmOpsException.NotFound($"{name} has no deployment in '{environment}' (llmops registry deploy {name} --version N --env {environment}).");
        var lifecycle = feature is { Length: > 0 } ? await lifecycles.GetAsync(feature, cancellationToken) : null;
        var resolution = await ResolveAsync(name, traffic, deployment, environment, cancellationToken) with
        {
            Guardrails = lifecycle is null ? null : Lifecycle.GuardPolicy.Of(lifecycle),
        };
        return unit is null && traffic.Canary is { } canary
            ? resolution with { Canary = await ResolveAsync(name, traffic, canary, environment, cancellationToken) }
            : resolution;
    }

    private async Task<PromptResolution> ResolveAsync(string name, TrafficSplit traffic, Deployment deployment, string environment, CancellationToken cancellationToken)
    {
        var version = await VersionAsync(name, deployment.Version, deployment, cancellationToken);
        var shadow = deployment.ShadowVersion is { } shadowVersion ? await VersionAsync(name, shadowVersion, deployment, cancellationToken) : null;
        return new PromptResolution(
            version.Id,
            name,
            version.Version,
            environment,
            deployment.Id,
            deployment == traffic.Canary ? Deployment.Canary : "stable",
            traffic.CanaryPercent,
            version.Template,
            version.Variables)
        {
            Shadow = shadow is null ? null : new ShadowResolution(shadow.Id, shadow.Version, deployment.ShadowPercent ?? 0, shadow.Template, shadow.Variables),
        };
    }

    private async Task<RegistryVersion> VersionAsync(string name, int number, Deployment deployment, CancellationToken cancellationToken)
    {
        var id = ModelRegistry.VersionId(name, number);
        if (!_versions.TryGetValue(id, out var version))
        {
            version = await registry.GetVersionAsync(name, number, cancellationToken)
                ?? throw LlmOpsException.NotFound($"{deployment.Id} serves {id}, which is gone.");
            _versions.TryAdd(id, version);
        }

        return version;
    }
}

/// <summary>
/// The prompt version to use: report traces with <see cref="PromptVersion"/> and <see cref="Deployment"/> (the
/// <c>promptVersion</c> and <c>deployment</c> of POST /api/traces) so the canary check compares the two.
/// </summary>
public sealed record PromptResolution(
    string PromptVersion,
    string Name,
    int Version,
    string Environment,
    string Deployment,
    string Role,
    int CanaryPercent,
    string? Template,
    IReadOnlyList<string> Variables)
{
    /// <summary>The deployment's shadow version, when it names one: run it too on <see cref="ShadowResolution.Percent"/>% of calls, off the request path.</summary>
    public ShadowResolution? Shadow { get; init; }

    /// <summary>The feature's guardrails, to check the call in process (null when the prompt names no feature with a lifecycle).</summary>
    public Lifecycle.GuardPolicy? Guardrails { get; init; }

    /// <summary>Asked without a unit: the canary beside this stable deployment, for units whose <see cref="TrafficSplit.Bucket"/> is below <see cref="CanaryPercent"/>.</summary>
    public PromptResolution? Canary { get; init; }
}

/// <summary>A shadow version to run beside the deployment's on <see cref="Percent"/>% of calls; report its traces with <c>llmops.shadow=true</c>.</summary>
public sealed record ShadowResolution(string PromptVersion, int Version, int Percent, string? Template, IReadOnlyList<string> Variables);
