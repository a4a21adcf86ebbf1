using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmOps.Datasets;
using LlmOps.Embeddings;
using LlmOps.Errors;
using LlmOps.Evaluation.Graders;
using LlmOps.Ingestion.Transform;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Registry;
using LlmOps.Storage;
using Microsoft.Extensions.AI.Evaluation;
using LlmOps.Notifications;

namespace LlmOps.Evaluation;

/// <summary>
/// Evaluations and release gates over stored things: resolves prompt versions (<c>prompt:x/3</c>,
/// <c>prompt:x@alias</c>, <c>prompt:x</c> for its champion), the feature's lifecycle, evaluation set and index; runs
/// evaluations; checks a candidate against a baseline on the same set with <see cref="ComparisonGate"/>; stores each
/// decision as evidence (JSON and markdown under <c>reports/gates/</c>, and a <c>gate:</c> lineage node linked to the
/// runs and versions it weighed); and promotes through it, moving the alias only if it has not moved meanwhile.
/// </summary>
public sealed class ReleaseGateCheck(
    StorageAccount storage,
    ModelRegistry registry,
    LifecycleCatalog lifecycles,
    EvaluationSets sets,
    EvaluationRunner runner,
    SemanticSearch search,
    ChatClientFactory chats,
    LineageStore lineage,
    TimeProvider clock)
{
    public const string ReportsFolder = "gates/";

    /// <summary>The prompt version <paramref name="reference"/> names: <c>prompt:x/3</c>, <c>prompt:x@alias</c>, or <c>prompt:x</c> (its champion).</summary>
    public async Task<RegistryVersion> ResolveAsync(string reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (Regex.IsMatch(reference, "/[0-9]+$", RegexOptions.CultureInvariant))
        {
            var (name, number) = ModelRegistry.ParseVersionId(reference);
            return await registry.GetVersionAsync(name, number, cancellationToken) ?? throw LlmOpsException.NotFound($"{reference} does not exist. Try `llmops registry show {name}`.");
        }

        var at = reference.LastIndexOf('@');
        var qualified = ModelRegistry.QualifiedName(at < 0 ? reference : reference[..at]);
        var alias = at < 0 ? ModelRegistry.Champion : reference[(at + 1)..];
        var moved = await registry.GetAliasAsync(qualified, alias, cancellationToken)
            ?? throw LlmOpsException.NothingToCompare($"{qualified} has no alias '{alias}' (promote a version first, or name one: {qualified}/<n>).");
        return await registry.GetVersionAsync(qualified, moved.Version, cancellationToken)
            ?? throw LlmOpsException.NotFound($"{qualified}@{alias} points at version {moved.Version}, which does not exist.");
    }

    /// <summary>Evaluates one prompt version on an evaluation set and logs the run.</summary>
    public async Task<EvaluationRun> EvaluateAsync(string target, EvaluationRequest request, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var version = await ResolveAsync(target, cancellationToken);
        var (feature, lifecycle) = await LifecycleOfAsync(version, cancellationToken);
        var set = await LoadSetAsync(feature, lifecycle, request, cancellationToken);
        return await RunAsync(version, feature, lifecycle, set, request, progress, cancellationToken);
    }

    /// <summary>
    /// Evaluates <paramref name="candidate"/> and <paramref name="baseline"/> (default: the champion; none yet means a
    /// first release, held to absolute bounds only) on the same set, decides with the lifecycle's <c>gates.evaluation</c>, and stores the decision.
    /// </summary>
    public async Task<GateReport> CheckAsync(string candidate, string? baseline, EvaluationRequest request, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var candidateVersion = await ResolveAsync(candidate, cancellationToken);
        RegistryVersion? baselineVersion;
        try
        {
            baselineVersion = await ResolveAsync(baseline ?? candidateVersion.Name, cancellationToken);
        }
        catch (LlmOpsException ex) when (ex.Code == ErrorCode.NothingToCompare && baseline is null)
        {
            baselineVersion = null;
        }

        var (feature, lifecycle) = await LifecycleOfAsync(candidateVersion, cancellationToken);
        if (lifecycle is null)
        {
            throw LlmOpsException.NotFound($"{candidateVersion.Name} belongs to feature '{feature}', which has no published lifecycle to hold its release gates (llmops lifecycle publish).");
        }

        var set = await LoadSetAsync(feature, lifecycle, request, cancellationToken);
        progress?.Report($"Evaluating the candidate {candidateVersion.Id} on {set.Dataset} ({set.Examples.Count} examples)...");
        var candidateRun = await RunAsync(candidateVersion, feature, lifecycle, set, request, progress, cancellationToken);
        EvaluationRun? baselineRun = null;
        if (baselineVersion is not null)
        {
            progress?.Report($"Evaluating the baseline {baselineVersion.Id} on the same examples...");
            baselineRun = await RunAsync(baselineVersion, feature, lifecycle, set, request, progress, cancellationToken);
        }

        var now = clock.GetUtcNow();
        var report = new GateReport(
            $"gate:{feature}/{Ulid.NewUlid(now)}", feature, candidateVersion.Id, baselineVersion?.Id, set.Dataset, set.Examples.Count,
            candidateRun.RunId, baselineRun?.RunId, candidateRun.Model, 0.95,
            ComparisonGate.Decide(lifecycle.EvaluationGates, candidateRun, baselineRun), now);
        await RecordAsync(report, candidateVersion, baselineVersion, cancellationToken);
        if (!report.Passed)
        {
            // Every refusal, whether a promotion or `llmops gate check` asked: once, with the decision as evidence.
            await new NotificationOutbox(storage, lifecycles, clock).RaiseAsync(
                new NotificationEvent(report.Id, NotificationKinds.GateRefused, report.Feature, $"Release gate refused {report.Candidate}",
                    string.Join("\n", report.Failures.Select(f => "- " + f)), $"llmops lineage {report.Id}", report.At),
                cancellationToken);
        }

        return report;
    }

    /// <summary>Whether promoting <paramref name="name"/> goes through an evaluation: a prompt whose feature's lifecycle names an evaluation set.</summary>
    public async Task<bool> EvaluatesAsync(string name, CancellationToken cancellationToken = default)
    {
        var item = await registry.GetAsync(name, cancellationToken);
        return item is { Kind: RegistryKind.Prompt, Feature: { Length: > 0 } feature }
            && await lifecycles.GetAsync(feature, cancellationToken) is { Evaluation.Dataset: not null };
    }

    /// <summary>
    /// Promotes a prompt version through a gate check against the version the alias points at now; the alias moves only
    /// if the gate passed and nobody moved it meanwhile, and the move is linked to the decision in lineage.
    /// </summary>
    public async Task<(GateReport Report, RegistryAlias Alias)> PromoteAsync(string name, int version, string alias, EvaluationRequest request, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        name = ModelRegistry.QualifiedName(name);
        await registry.DemandAliasMoveAsync(name, alias, cancellationToken);
        var current = await registry.GetAliasAsync(name, alias, cancellationToken);
        var report = await CheckAsync(ModelRegistry.VersionId(name, version), current is null ? null : ModelRegistry.VersionId(name, current.Version), request, progress, cancellationToken);
        if (!report.Passed)
        {
            throw new PromotionRefusedException($"{report.Candidate} does not meet the release gates of {report.Feature} (evidence: {report.Id}):", [.. report.Failures]);
        }

        var moved = await registry.MoveAliasFromAsync(name, alias, version, current, $"gate {report.Id}", cancellationToken);
        await lineage.RecordAsync(
            new LineageEvent($"llmops.registry/{name}", LineageIds.StableRunId($"{report.Id}|{alias}"), LineageRelation.Promoted,
                [new LineageDataset(report.Id)],
                [new LineageDataset($"alias:{name}@{alias}/{version.ToString(CultureInfo.InvariantCulture)}", new Dictionary<string, string>
                {
                    ["alias"] = alias,
                    ["version"] = ModelRegistry.VersionId(name, version),
                    ["previous"] = current is null ? "" : ModelRegistry.VersionId(name, current.Version),
                    ["by"] = moved.MovedBy,
                })]),
            cancellationToken);
        return (report, moved);
    }

    /// <summary>A stored decision's report, or null.</summary>
    public async Task<GateReport?> GetReportAsync(string id, CancellationToken cancellationToken = default)
    {
        var blob = storage.Container(StorageNames.ReportsContainer).GetBlobClient(ReportPath(id) + ".json");
        return await blob.ReadAsync<GateReport>(cancellationToken);
    }

    public static string ReportPath(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.StartsWith("gate:", StringComparison.Ordinal)
            ? ReportsFolder + id["gate:".Length..]
            : throw LlmOpsException.Invalid($"'{id}' is not a gate decision id (gate:<feature>/<ulid>).");
    }

    private async Task RecordAsync(GateReport report, RegistryVersion candidate, RegistryVersion? baseline, CancellationToken cancellationToken)
    {
        var reports = storage.Container(StorageNames.ReportsContainer);
        var path = ReportPath(report.Id);
        await reports.GetBlobClient(path + ".json").UploadAsync(BinaryData.FromObjectAsJson(report, JsonSerializerOptions.Web), cancellationToken);
        await reports.GetBlobClient(path + ".md").UploadAsync(BinaryData.FromString(GateReportMarkdown.Render(report)), cancellationToken);
        List<LineageDataset> inputs = [new(candidate.Id), new(report.CandidateRun)];
        if (baseline is not null && report.BaselineRun is not null)
        {
            inputs.Add(new LineageDataset(baseline.Id));
            inputs.Add(new LineageDataset(report.BaselineRun));
        }

        var failures = string.Join("; ", report.Failures);
        await lineage.RecordAsync(
            new LineageEvent($"llmops.gate/{report.Feature}", LineageIds.StableRunId(report.Id), LineageRelation.Decided, inputs,
                [new LineageDataset(report.Id, new Dictionary<string, string>
                {
                    ["passed"] = report.Passed ? "true" : "false",
                    ["candidate"] = report.Candidate,
                    ["baseline"] = report.Baseline ?? "",
                    ["dataset"] = report.Dataset,
                    ["failures"] = failures.Length <= 2000 ? failures : failures[..2000],
                    ["report"] = $"{StorageNames.ReportsContainer}/{path}.json",
                })]),
            cancellationToken);
    }

    private async Task<(string Feature, LifecycleDefinition? Lifecycle)> LifecycleOfAsync(RegistryVersion version, CancellationToken cancellationToken)
    {
        var item = await registry.GetAsync(version.Name, cancellationToken) ?? throw LlmOpsException.NotFound($"{version.Name} is not registered.");
        var feature = item.Feature ?? "";
        return (feature, feature.Length == 0 ? null : await lifecycles.GetAsync(feature, cancellationToken));
    }

    /// <summary>The evaluation set (examples, probes added when asked) and the index the targets retrieve from.</summary>
    private async Task<LoadedSet> LoadSetAsync(string feature, LifecycleDefinition? lifecycle, EvaluationRequest request, CancellationToken cancellationToken)
    {
        var settings = lifecycle?.Evaluation ?? EvaluationSettings.Default;
        var name = request.Dataset ?? settings.Dataset
            ?? throw LlmOpsException.Invalid($"No evaluation set: pass one (--dataset) or name it in the lifecycle of '{feature}' (evaluation.dataset).");
        var datasetId = name.StartsWith("dataset:", StringComparison.Ordinal)
            ? name
            : (await new DatasetStore(storage).LatestAsync(name, cancellationToken))?.Id
                ?? throw LlmOpsException.NotFound($"'{name}' has no dataset version: create the evaluation set first (llmops eval set create FILE --name ...), or name a version (dataset:...).");
        var examples = (await sets.ReadAsync(datasetId, request.ExpectedField ?? settings.ExpectedField, cancellationToken)).ToList();
        if (request.Probes)
        {
            examples.AddRange(EvaluationSets.Probes());
        }

        VectorIndex? index;
        try
        {
            index = await search.LoadAsync(null, feature, cancellationToken);
        }
        catch (LlmOpsException ex) when (ex.Code == ErrorCode.NotFound)
        {
            index = null; // a feature without an index is evaluated without retrieval
        }

        return new LoadedSet(datasetId, examples, index);
    }

    private async Task<EvaluationRun> RunAsync(RegistryVersion version, string feature, LifecycleDefinition? lifecycle, LoadedSet set, EvaluationRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var settings = lifecycle?.Evaluation ?? EvaluationSettings.Default;
        var model = request.Model ?? version.Tags.GetValueOrDefault("model") ?? ExtractiveResponder.ModelName;
        var target = new EvaluationTarget(version, chats.Create(model), model);
        var pii = lifecycle?.Preprocessing ?? PreprocessingSettings.Default;
        var graders = new List<IEvaluator>
        {
            new ReferenceGrader(), new CitationGrader(), new GroundednessGrader(),
            new SafetyGrader(new PiiRedactor(pii.PiiTypes, pii.CustomPii)),
            new UsageGrader(lifecycle?.Costs ?? new Dictionary<string, ModelPrice>()),
        };
        if (settings.Regex is { } regex)
        {
            graders.Add(new PatternGrader(new Regex(regex, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))));
        }

        if (settings.JsonSchema is { } schema)
        {
            graders.Add(await JsonSchemaGrader.FromJsonAsync(schema));
        }

        ChatConfiguration? judge = null;
        if ((request.Judge ?? settings.Judge) is { } rubric)
        {
            var judgeModel = request.JudgeModel ?? model;
            if (judgeModel == ExtractiveResponder.ModelName)
            {
                throw LlmOpsException.Invalid($"An LLM judge ({rubric}) needs a chat model, and the extractive responder is none: name a chat deployment with --judge-model (or --model).");
            }

            graders.Add(new JudgeGrader(await ResolveAsync(rubric, cancellationToken)));
            judge = new ChatConfiguration(chats.Create(judgeModel));
        }

        var total = set.Examples.Count;
        var reporter = progress is null ? null : new Progress<int>(done =>
        {
            if (done == total || done % Math.Max(1, total / 10) == 0)
            {
                progress.Report($"  {version.Id}: {done}/{total} examples graded");
            }
        });
        var plan = new EvaluationPlan(target, feature, set.Dataset, set.Examples, set.Index, request.K ?? settings.K, graders, judge,
            request.Concurrency ?? settings.Concurrency, request.Experiment ?? $"eval-{(feature.Length == 0 ? "default" : feature)}");
        return await runner.RunAsync(plan, reporter, cancellationToken);
    }

    private sealed record LoadedSet(string Dataset, IReadOnlyList<EvalExample> Examples, VectorIndex? Index);
}
