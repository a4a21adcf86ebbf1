using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using LlmOps.Errors;
using LlmOps.Governance;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Storage;
using LlmOps.Tracking;
using LlmOps.Notifications;

namespace LlmOps.Registry;

/// <summary>
/// The model and prompt registry's policy: the one path every change of <see cref="RegistryStore"/> takes. Registering
/// takes the contributor role; moving an alias the lifecycle protects (the champion always), deploying and deciding a
/// canary go through change control (the approver role, or the approvals the lifecycle's <c>governance</c> asks for,
/// requested and applied later); promotion runs the release gates first. Every change is an audit entry, versions link
/// to their run and deployments to their version in the lineage graph. Concurrent writers get a conflict
/// (<see cref="LlmOpsException"/> with <see cref="ErrorCode.Conflict"/>) from the store.
/// </summary>
public sealed class ModelRegistry(StorageAccount storage, ExperimentTracker tracker, LineageStore lineage, LifecycleCatalog lifecycles, ChangeControl governance, TimeProvider clock)
    : IChangeApplier
{
    private const string AliasChange = "registry.alias";
    private const string DeployChange = "registry.deploy";

    public const string Champion = "champion";

    /// <summary>The plain store under this policy (reads need no role; writes come through here).</summary>
    public RegistryStore Store { get; } = new(storage);

    /// <summary><c>model:x</c> or <c>prompt:y</c> as given; a bare name means a model.</summary>
    public static string QualifiedName(string name) => RegistryStore.QualifiedName(name);

    public static string VersionId(string name, int version) => RegistryStore.VersionId(name, version);

    /// <summary>Parses <c>model:x/7</c> into its name and version.</summary>
    public static (string Name, int Version) ParseVersionId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var slash = id.LastIndexOf('/');
        if (slash < 0 || !int.TryParse(id.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            throw LlmOpsException.Invalid($"'{id}' is not a version id: expected model:<name>/<n> or prompt:<name>/<n>.");
        }

        return (QualifiedName(id[..slash]), version);
    }

    /// <summary>Registers the next version of a name (created on first use), linked to the run that produced it.</summary>
    public async Task<RegistryVersion> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = QualifiedName(request.Name);
        var kind = RegistryStore.KindOf(name);
        if (kind == RegistryKind.Prompt && string.IsNullOrWhiteSpace(request.Template))
        {
            throw LlmOpsException.Invalid($"{name} is a prompt: register it with its template.");
        }

        var run = await tracker.GetRunAsync(request.RunId, cancellationToken) ?? throw LlmOpsException.NotFound($"No run {request.RunId}: a version must link to the run that produced it.");
        if (request.Artifact is { } artifact && !run.Artifacts.Contains(artifact))
        {
            throw LlmOpsException.Invalid($"{run.Info.Id} has no artifact '{artifact}' (it has: {(run.Artifacts.Count == 0 ? "none" : string.Join(", ", run.Artifacts))}).");
        }

        var feature = request.Feature ?? run.Tags.GetValueOrDefault("feature") ?? run.Info.Experiment;
        var caller = await governance.DemandAsync(Role.Contributor, feature, $"register a version of {name}", cancellationToken);
        var version = await Store.AddVersionAsync(
            name,
            feature,
            request.Description,
            (number, now) => new RegistryVersion(
                VersionId(name, number),
                name,
                number,
                run.Info.Id,
                request.Artifact,
                request.Template,
                request.Template is null ? [] : PromptTemplate.Variables(request.Template),
                request.Description,
                request.Tags ?? new Dictionary<string, string>(),
                now,
                caller.Id),
            clock,
            cancellationToken);
        await lineage.RecordAsync(
            new LineageEvent(
                $"llmops.experiment/{run.Info.Experiment}",
                ExperimentTracker.RunGuid(run.Info.Id),
                LineageRelation.ProducedBy,
                [new LineageDataset(run.Info.Id)],
                [new LineageDataset(version.Id, new Dictionary<string, string> { ["kind"] = kind.ToString().ToLowerInvariant(), ["artifact"] = version.Artifact ?? "" })]),
            cancellationToken);
        await governance.RecordAsync(new AuditRecord("registry.register", version.Id, feature, request.Description, After: run.Info.Id), caller, cancellationToken);
        return version;
    }

    /// <summary>The registered item with its aliases, or null.</summary>
    public Task<RegisteredItem?> GetAsync(string name, CancellationToken cancellationToken = default) => Store.GetAsync(name, cancellationToken);

    /// <summary>Every registered name, models then prompts (the table's order), page by page.</summary>
    public IAsyncEnumerable<RegisteredItem> ListAsync(CancellationToken cancellationToken = default) => Store.ListAsync(cancellationToken);

    public Task<RegistryVersion?> GetVersionAsync(string name, int version, CancellationToken cancellationToken = default) => Store.GetVersionAsync(name, version, cancellationToken);

    /// <summary>A name's versions, oldest first, page by page.</summary>
    public IAsyncEnumerable<RegistryVersion> ListVersionsAsync(string name, CancellationToken cancellationToken = default) => Store.ListVersionsAsync(name, cancellationToken);

    public Task<RegistryAlias?> GetAliasAsync(string name, string alias, CancellationToken cancellationToken = default) => Store.GetAliasAsync(name, alias, cancellationToken);

    /// <summary>Points <paramref name="alias"/> at <paramref name="version"/>, unless someone moves it between this call's read and write.</summary>
    public async Task<RegistryAlias> MoveAliasAsync(string name, string alias, int version, string? why = null, CancellationToken cancellationToken = default)
    {
        name = QualifiedName(name);
        await RequireVersionAsync(name, alias, version, cancellationToken);
        return await WriteAliasAsync(name, alias, version, await GetAliasAsync(name, alias, cancellationToken), why, cancellationToken);
    }

    /// <summary>
    /// Points <paramref name="alias"/> at <paramref name="version"/> only if it is still as <paramref name="expected"/> (read
    /// earlier; null for "did not exist"). A lost race is a conflict (<see cref="LlmOpsException"/> with <see cref="ErrorCode.Conflict"/>) and changes nothing.
    /// </summary>
    public async Task<RegistryAlias> MoveAliasFromAsync(string name, string alias, int version, RegistryAlias? expected, string? why = null, CancellationToken cancellationToken = default)
    {
        name = QualifiedName(name);
        await RequireVersionAsync(name, alias, version, cancellationToken);
        return await WriteAliasAsync(name, alias, version, expected, why, cancellationToken);
    }

    private async Task RequireVersionAsync(string name, string alias, int version, CancellationToken cancellationToken)
    {
        RegistryStore.ValidateAlias(alias);
        if (await GetVersionAsync(name, version, cancellationToken) is null)
        {
            var latest = (await GetAsync(name, cancellationToken))?.LatestVersion ?? 0;
            throw LlmOpsException.NotFound(latest == 0
                ? $"{name} is not registered; register a version first (llmops registry register)."
                : $"{VersionId(name, version)} does not exist (versions 1 to {latest} do); the alias '{alias}' was not moved.");
        }
    }

    /// <summary>Every move of <paramref name="alias"/>, newest first, from the audit log: who, when, from, to, and the evidence (gate report, approvals).</summary>
    public IAsyncEnumerable<AuditEntry> AliasHistoryAsync(string name, string alias, CancellationToken cancellationToken = default)
    {
        name = QualifiedName(name);
        RegistryStore.ValidateAlias(alias);
        return governance.Audit.ListAsync(action: AliasChange, target: $"{name}@{alias}", cancellationToken: cancellationToken);
    }

    /// <summary>
    /// The current caller and the name's feature, when the caller may move (or request to move) <paramref name="alias"/>:
    /// an alias the lifecycle protects (the champion always) reaches production, so moving it takes the approver role,
    /// or, where the lifecycle's <c>governance</c> asks for approvals, a contributor's request; other aliases a
    /// contributor may move. A gate checks this before it spends an evaluation.
    /// </summary>
    public async Task<(Caller Caller, string? Feature)> DemandAliasMoveAsync(string name, string alias, CancellationToken cancellationToken = default)
    {
        name = QualifiedName(name);
        var (feature, settings) = await GovernanceOfAsync(name, cancellationToken);
        var role = settings.Protects(alias) && settings.Approvals == 0 ? settings.ApproverRole : Role.Contributor;
        return (await governance.DemandAsync(role, feature, $"move the '{alias}' alias of {name}", cancellationToken), feature);
    }

    private async Task<(string? Feature, GovernanceSettings Settings)> GovernanceOfAsync(string name, CancellationToken cancellationToken)
    {
        var feature = (await GetAsync(name, cancellationToken))?.Feature;
        var lifecycle = string.IsNullOrEmpty(feature) ? null : await lifecycles.GetAsync(feature, cancellationToken);
        return (feature, lifecycle?.Governance ?? GovernanceSettings.None);
    }

    private async Task<RegistryAlias> WriteAliasAsync(string name, string alias, int version, RegistryAlias? current, string? why, CancellationToken cancellationToken)
    {
        var (feature, settings) = await GovernanceOfAsync(name, cancellationToken);
        var action = $"move the '{alias}' alias of {name}";
        var caller = settings.Protects(alias)
            ? await governance.DemandChangeAsync(
                AliasChange, feature, $"{name}@{alias}",
                new Dictionary<string, string> { ["name"] = name, ["alias"] = alias, ["version"] = version.ToString(CultureInfo.InvariantCulture), ["why"] = why ?? "" },
                why, settings.Approvals, settings.ApproverRole, action, cancellationToken)
            : await governance.DemandAsync(Role.Contributor, feature, action, cancellationToken);
        var moved = await Store.WriteAliasAsync(name, alias, version, current, caller.Id, clock.GetUtcNow(), cancellationToken);
        await governance.RecordAsync(
            new AuditRecord(AliasChange, $"{name}@{alias}", feature, why, current is null ? null : VersionId(name, current.Version), VersionId(name, version)), caller, cancellationToken);
        return moved;
    }

    /// <summary>
    /// Moves <paramref name="alias"/> (champion by default) to a version whose run meets every release gate of the
    /// feature's lifecycle; otherwise refuses and says which metrics are missing or out of bounds.
    /// </summary>
    public async Task<RegistryAlias> PromoteAsync(string name, int version, string alias = Champion, LifecycleDefinition? lifecycle = null, CancellationToken cancellationToken = default)
    {
        name = QualifiedName(name);
        await DemandAliasMoveAsync(name, alias, cancellationToken);
        var item = await GetAsync(name, cancellationToken) ?? throw LlmOpsException.NotFound($"{name} is not registered.");
        var target = await GetVersionAsync(name, version, cancellationToken) ?? throw LlmOpsException.NotFound($"{VersionId(name, version)} does not exist (latest is {item.LatestVersion}).");
        lifecycle ??= item.Feature is { Length: > 0 } feature ? await lifecycles.GetAsync(feature, cancellationToken) : null;
        if (lifecycle is null)
        {
            throw new PromotionRefusedException($"Cannot promote {target.Id}: no published lifecycle for feature '{item.Feature}' holds its release gates (publish it with `llmops lifecycle publish`, or pass one with --lifecycle).");
        }

        var decision = ReleaseGateEvaluator.Evaluate(target, await tracker.GetRunAsync(target.RunId, cancellationToken), lifecycle);
        if (!decision.Passed)
        {
            // One event per version and run: refusing the same candidate again says nothing new.
            await new NotificationOutbox(storage, lifecycles, clock).RaiseAsync(
                new NotificationEvent($"gate:{target.Id}|{target.RunId}", NotificationKinds.GateRefused, lifecycle.Feature, $"Release gate refused {target.Id}",
                    string.Join("\n", decision.Failures.Select(f => "- " + f)), $"llmops runs show {target.RunId}", clock.GetUtcNow()),
                cancellationToken);
            throw new PromotionRefusedException($"{target.Id} does not meet the release gates of {lifecycle.Feature}:", decision.Failures);
        }

        return await MoveAliasAsync(name, alias, version, $"release gates of {lifecycle.Feature} met by {target.RunId}", cancellationToken);
    }

    /// <summary>
    /// Records a deployment of a version to <paramref name="environment"/>, and the lineage edge version -> deployment.
    /// With <paramref name="canaryPercent"/> (1-99) it is a canary beside the environment's stable deployment, which a
    /// canary check later promotes or rolls back; a full deployment while a canary runs is refused (decide it first).
    /// </summary>
    public Task<Deployment> DeployAsync(string name, int version, string environment, int? canaryPercent = null, string? why = null, CancellationToken cancellationToken = default) =>
        DeployAsync(name, version, environment, canaryPercent, null, why, cancellationToken);

    /// <summary>
    /// A deployment as <see cref="DeployAsync(string, int, string, int?, string?, CancellationToken)"/>, naming a shadow:
    /// <paramref name="shadow"/>'s version also answers its share (1-100%) of the deployment's calls, off the request
    /// path, its answers traced as shadow answers for comparison and never shown to users.
    /// </summary>
    public async Task<Deployment> DeployAsync(string name, int version, string environment, int? canaryPercent, (int Version, int Percent)? shadow, string? why, CancellationToken cancellationToken = default)
    {
        name = QualifiedName(name);
        RegistryStore.ValidateAlias(environment);
        var (feature, settings) = await GovernanceOfAsync(name, cancellationToken);
        var parameters = new Dictionary<string, string>
        {
            ["name"] = name,
            ["version"] = version.ToString(CultureInfo.InvariantCulture),
            ["environment"] = environment,
            ["canary"] = canaryPercent?.ToString(CultureInfo.InvariantCulture) ?? "",
            ["why"] = why ?? "",
            ["shadow"] = shadow is { } named ? $"{named.Version.ToString(CultureInfo.InvariantCulture)}:{named.Percent.ToString(CultureInfo.InvariantCulture)}" : "",
        };
        var caller = await governance.DemandChangeAsync(
            DeployChange, feature, $"{VersionId(name, version)}@{environment}", parameters, why, settings.Approvals, settings.ApproverRole,
            canaryPercent is null ? $"deploy {name} to {environment}" : $"start a canary of {name} in {environment}", cancellationToken);
        if (canaryPercent is < 1 or > 99)
        {
            throw LlmOpsException.Invalid($"A canary takes 1 to 99 percent of the traffic, not {canaryPercent}.");
        }

        if (shadow is { Percent: < 1 or > 100 })
        {
            throw LlmOpsException.Invalid($"A shadow runs on 1 to 100 percent of the calls, not {shadow.Value.Percent}.");
        }

        if (shadow is { } s && (s.Version == version || await GetVersionAsync(name, s.Version, cancellationToken) is null))
        {
            throw LlmOpsException.Invalid(s.Version == version
                ? $"The shadow must be another version than the one deployed ({VersionId(name, version)})."
                : $"The shadow {VersionId(name, s.Version)} does not exist.");
        }

        var target = await GetVersionAsync(name, version, cancellationToken) ?? throw LlmOpsException.NotFound($"{VersionId(name, version)} does not exist.");
        var traffic = await GetTrafficAsync(name, environment, cancellationToken);
        if (traffic.Canary is { } running)
        {
            throw LlmOpsException.Conflict($"{running.Id} ({VersionId(name, running.Version)}, {running.CanaryPercent}%) is still a canary in {environment}: promote or roll it back first (llmops registry canary {name} --env {environment}).");
        }

        if (canaryPercent is not null && traffic.Stable is null)
        {
            throw LlmOpsException.Invalid($"{name} has no stable deployment in {environment} for a canary to be compared with: deploy a version there without --canary first.");
        }

        var now = clock.GetUtcNow();
        var deployment = new Deployment($"deploy:{environment}/{Ulid.NewUlid(now)}", name, version, environment, now, caller.Id)
        {
            CanaryPercent = canaryPercent,
            Stable = canaryPercent is null ? null : traffic.Stable!.Id,
            Status = canaryPercent is null ? Deployment.Active : Deployment.Canary,
            ShadowVersion = shadow?.Version,
            ShadowPercent = shadow?.Percent,
        };
        await Store.AddDeploymentAsync(deployment, cancellationToken);
        var facets = new Dictionary<string, string> { ["environment"] = environment, ["by"] = deployment.DeployedBy, ["status"] = deployment.Status };
        if (canaryPercent is not null)
        {
            facets["canary_percent"] = canaryPercent.Value.ToString(CultureInfo.InvariantCulture);
            facets["stable"] = deployment.Stable!;
        }

        if (shadow is { } shadowed)
        {
            facets["shadow"] = VersionId(name, shadowed.Version);
            facets["shadow_percent"] = shadowed.Percent.ToString(CultureInfo.InvariantCulture);
        }

        await lineage.RecordAsync(
            new LineageEvent(
                $"llmops.deploy/{environment}",
                LineageIds.StableRunId(deployment.Id),
                LineageRelation.DeployedAs,
                [new LineageDataset(target.Id)],
                [new LineageDataset(deployment.Id, facets)]),
            cancellationToken);
        await governance.RecordAsync(
            new AuditRecord(canaryPercent is null ? DeployChange : "registry.canary.start", deployment.Id, feature, why, traffic.Stable is { } before ? VersionId(name, before.Version) : null, target.Id), caller, cancellationToken);
        return deployment;
    }

    /// <summary>What serves <paramref name="name"/> in <paramref name="environment"/>: the newest deployment serving all traffic and the canary beside it, if one runs.</summary>
    public Task<TrafficSplit> GetTrafficAsync(string name, string environment, CancellationToken cancellationToken = default) => Store.GetTrafficAsync(name, environment, cancellationToken);

    /// <summary>
    /// Ends a canary with a check's decision: promoted (it now serves all traffic) or rolled back (the stable deployment
    /// takes its share back). Refused when it is no longer a canary (another check decided first).
    /// </summary>
    public async Task<Deployment> DecideCanaryAsync(Deployment canary, bool promote, string decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(canary);
        var name = QualifiedName(canary.Name);
        var feature = (await GetAsync(name, cancellationToken))?.Feature;
        var caller = await governance.DemandAsync(Role.Approver, feature, $"{(promote ? "promote" : "roll back")} the canary {canary.Id}", cancellationToken);
        var (decided, stable) = await Store.DecideCanaryAsync(canary, promote, decision, cancellationToken);
        await governance.RecordAsync(
            new AuditRecord(promote ? "registry.canary.promote" : "registry.canary.rollback", canary.Id, feature, decision, stable, VersionId(name, canary.Version)), caller, cancellationToken);
        return decided;
    }

    /// <summary>A name's deployments, newest first, page by page.</summary>
    public IAsyncEnumerable<Deployment> ListDeploymentsAsync(string name, CancellationToken cancellationToken = default) => Store.ListDeploymentsAsync(name, cancellationToken);

    /// <summary>Sets tags and, when given, the description of a registered name.</summary>
    public async Task SetTagsAsync(string name, IReadOnlyDictionary<string, string> tags, string? description = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        name = QualifiedName(name);
        Caller? caller = null;
        var (feature, stored) = await Store.SetTagsAsync(
            name, tags, description, async f => caller = await governance.DemandAsync(Role.Contributor, f, $"set tags of {name}", cancellationToken), cancellationToken);
        await governance.RecordAsync(new AuditRecord("registry.tags", name, feature, description, After: stored), caller, cancellationToken);
    }

    IReadOnlyCollection<string> IChangeApplier.Kinds => [AliasChange, DeployChange];

    /// <summary>Redoes an approved alias move or deployment from its request.</summary>
    async Task<string> IChangeApplier.ApplyAsync(ChangeRequest request, CancellationToken cancellationToken)
    {
        var p = request.Parameters;
        var version = int.Parse(p["version"], CultureInfo.InvariantCulture);
        var why = ChangeControl.Evidence(request, p.GetValueOrDefault("why"));
        if (request.Kind == AliasChange)
        {
            var moved = await MoveAliasAsync(p["name"], p["alias"], version, why, cancellationToken);
            return $"{moved.Name}@{moved.Alias} -> {VersionId(moved.Name, moved.Version)}";
        }

        var canary = p.GetValueOrDefault("canary") is { Length: > 0 } percent ? int.Parse(percent, CultureInfo.InvariantCulture) : (int?)null;
        var shadow = p.GetValueOrDefault("shadow") is { Length: > 0 } spec && spec.Split(':') is [var v, var share]
            ? (int.Parse(v, CultureInfo.InvariantCulture), int.Parse(share, CultureInfo.InvariantCulture))
            : ((int, int)?)null;
        return (await DeployAsync(p["name"], version, p["environment"], canary, shadow, why, cancellationToken)).Id;
    }
}
