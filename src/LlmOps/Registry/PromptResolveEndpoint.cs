using System.Security.Cryptography;
using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Triggers;

namespace LlmOps.Registry;

/// <summary>
/// GET /api/prompts/{name}/resolve?unit=&lt;stable id&gt;&amp;env=prod: the prompt version an app should use for this unit
/// (a user or session id): the canary's for units in its share, else the stable deployment's, the same for the same
/// unit every time (<see cref="TrafficSplit.Route"/>); with its template, variables and the ids to report traces with.
/// The answer carries an ETag: a poll with <c>If-None-Match</c> gets 304 until a deployment, canary decision or split
/// changes what this unit gets.
/// </summary>
public sealed class PromptResolveEndpoint(ModelRegistry registry, Governance.ChangeControl governance) : IHttpTriggerHandler
{
    public const string DefaultEnvironment = "prod";

    /// <summary>Registered versions never change: each is read once (the split is read on every call).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RegistryVersion> _versions = new(StringComparer.Ordinal);

    public async Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var routed = Uri.UnescapeDataString(request.RouteValues.GetValueOrDefault("name") ?? "");
        var name = ModelRegistry.QualifiedName(routed.Contains(':', StringComparison.Ordinal) ? routed : "prompt:" + routed);
        var unit = request.Query.GetValueOrDefault("unit") is { Length: > 0 } u ? u
            : throw LlmOpsException.Invalid("unit is required: a stable id of the user or session (the same unit always gets the same version).");
        var environment = request.Query.GetValueOrDefault("env") is { Length: > 0 } e ? e : DefaultEnvironment;
        var item = await registry.GetAsync(name, cancellationToken) ?? throw LlmOpsException.NotFound($"Nothing is registered as '{name}'.");
        await governance.DemandReadAsync(item.Feature, $"resolve {name}", cancellationToken);

        var resolution = await ResolveAsync(name, unit, environment, cancellationToken);
        var body = JsonSerializer.SerializeToUtf8Bytes(resolution, JsonSerializerOptions.Web);
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(body))[..32] + "\"";
        var headers = new Dictionary<string, string> { ["ETag"] = etag, ["Cache-Control"] = "private, no-cache" };
        return request.Header("If-None-Match") is { } seen && seen.Split(',').Any(t => t.Trim() == etag)
            ? new HttpTriggerResponse(304, "application/json; charset=utf-8", ReadOnlyMemory<byte>.Empty) { Headers = headers }
            : new HttpTriggerResponse(200, "application/json; charset=utf-8", body) { Headers = headers };
    }

    /// <summary>What <paramref name="unit"/> gets from <paramref name="name"/> in <paramref name="environment"/> now.</summary>
    public async Task<PromptResolution> ResolveAsync(string name, string unit, string environment, CancellationToken cancellationToken = default)
    {
        var traffic = await registry.GetTrafficAsync(name, environment, cancellationToken);
        var deployment = traffic.Route(unit)
            ?? throw LlmOpsException.NotFound($"{name} has no deployment in '{environment}' (llmops registry deploy {name} --version N --env {environment}).");
        var id = ModelRegistry.VersionId(name, deployment.Version);
        if (!_versions.TryGetValue(id, out var version))
        {
            version = await registry.GetVersionAsync(name, deployment.Version, cancellationToken)
                ?? throw LlmOpsException.NotFound($"{deployment.Id} serves {id}, which is gone.");
            _versions.TryAdd(id, version);
        }

        return new PromptResolution(
            version.Id,
            name,
            version.Version,
            environment,
            deployment.Id,
            deployment == traffic.Canary ? Deployment.Canary : "stable",
            traffic.CanaryPercent,
            version.Template,
            version.Variables);
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
    IReadOnlyList<string> Variables);
