using System.Globalization;
using LlmOps.Datasets;
using LlmOps.Errors;
using LlmOps.Evaluation;
using LlmOps.Governance;
using LlmOps.Lineage;
using LlmOps.Registry;
using LlmOps.Storage;
using LlmOps.Tracking;

namespace LlmOps.Cards;

/// <summary>
/// Builds the card of a registry version (<c>model:x/3</c>, <c>prompt:y/2</c>) or a dataset version from what LlmOps
/// recorded: the registry entry (description, owners, intended use and limits from its tags), the run that produced it,
/// the data versions upstream with their quality, the gates it went through, its aliases with their history, approvals,
/// deployments and every audited change of it; and keeps it in <c>reports/cards/</c>.
/// </summary>
public sealed class CardWriter(StorageAccount storage, ModelRegistry registry, ExperimentTracker tracker, DatasetStore datasets, LineageStore lineage, ReleaseGateCheck gates, ChangeControl governance, TimeProvider clock)
{
    private static readonly string[] GateHeader = ["decision", "as", "against", "on", "result", "failures"];
    private static readonly string[] MoveHeader = ["at", "alias", "by", "from", "to", "evidence"];
    private static readonly string[] ApprovalHeader = ["request", "change", "requested by", "approvals", "status"];
    private static readonly string[] DeploymentHeader = ["deployment", "environment", "at", "by", "status", "traffic"];
    private static readonly string[] DataHeader = ["dataset version", "records", "quarantined", "PII redacted", "languages"];
    private static readonly string[] ChangeHeader = ["#", "at", "who", "action", "target", "why"];

    public async Task<Card> BuildAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.StartsWith("dataset:", StringComparison.Ordinal)
            ? await DatasetCardAsync(id, cancellationToken)
            : await VersionCardAsync(id, cancellationToken);
    }

    /// <summary>Builds the card and stores it as <c>reports/cards/&lt;id&gt;.md</c> and <c>.html</c>; returns it with the blob path.</summary>
    public async Task<(Card Card, string Path)> WriteAsync(string id, CancellationToken cancellationToken = default)
    {
        var card = await BuildAsync(id, cancellationToken);
        var path = "cards/" + card.FileName;
        var container = storage.Container(StorageNames.ReportsContainer);
        await container.GetBlobClient(path + ".md").UploadAsync(BinaryData.FromString(card.ToMarkdown()), overwrite: true, cancellationToken);
        await container.GetBlobClient(path + ".html").UploadAsync(BinaryData.FromString(card.ToHtml()), overwrite: true, cancellationToken);
        return (card, $"{StorageNames.ReportsContainer}/{path}");
    }

    private async Task<Card> VersionCardAsync(string id, CancellationToken cancellationToken)
    {
        var (name, number) = ModelRegistry.ParseVersionId(id);
        var item = await registry.GetAsync(name, cancellationToken) ?? throw LlmOpsException.NotFound($"{name} is not registered.");
        var version = await registry.GetVersionAsync(name, number, cancellationToken) ?? throw LlmOpsException.NotFound($"{id} does not exist (latest is {item.LatestVersion}).");
        var sections = new List<CardSection>();
        var tags = item.Tags.Concat(version.Tags).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        sections.Add(new CardSection("Overview",
        [
            $"- Feature: {item.Feature}",
            $"- Description: {version.Description ?? item.Description ?? "(none)"}",
            $"- Owners: {tags.GetValueOrDefault("owner") ?? tags.GetValueOrDefault("owners") ?? "(not recorded: tag owner)"}",
            $"- Intended use: {tags.GetValueOrDefault("intended_use") ?? "(not recorded: tag intended_use)"}",
            $"- Limits: {tags.GetValueOrDefault("limitations") ?? "(not recorded: tag limitations)"}",
            $"- Registered {version.CreatedAt.ToString("u", CultureInfo.InvariantCulture)} by {version.CreatedBy}",
        ]));
        if (version.Template is { } template)
        {
            sections.Add(new CardSection("Prompt template", [$"Variables: {string.Join(", ", version.Variables)}", "", "```", template, "```"]));
        }

        if (await tracker.GetRunAsync(version.RunId, cancellationToken) is { } run)
        {
            sections.Add(new CardSection($"Run {run.Info.Id}",
                [$"Experiment {run.Info.Experiment}, {run.Info.Status}, by {run.Info.User}{(run.Info.GitRevision is { } git ? $", code {git}" : "")}."],
                [["metric or param", "value"], .. run.LatestMetrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => (IReadOnlyList<string>)[m.Key, m.Value.Value.ToString("0.####", CultureInfo.InvariantCulture)]),
                    .. run.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (IReadOnlyList<string>)["param " + p.Key, p.Value])]));
        }

        await AddDataAsync(sections, id, cancellationToken);

        // Gate decisions that weighed this version, downstream of it in lineage.
        var downstream = await lineage.QueryAsync(id, LineageDirection.Downstream, 2, cancellationToken);
        var gateRows = new List<IReadOnlyList<string>> { GateHeader };
        foreach (var node in downstream.Nodes.Where(n => n.Kind == "gate"))
        {
            if (await gates.GetReportAsync(node.Id, cancellationToken) is { } report)
            {
                gateRows.Add([report.Id, report.Candidate == id ? "candidate" : "baseline", (report.Candidate == id ? report.Baseline : report.Candidate) ?? "(absolute bounds)", $"{report.Dataset} ({report.Examples} examples)",
                    report.Passed ? "passed" : "refused", string.Join("; ", report.Failures)]);
            }
        }

        sections.Add(new CardSection("Evaluations and gates", gateRows.Count == 1 ? ["No gate has weighed this version."] : [], gateRows.Count == 1 ? null : gateRows));

        var aliases = item.Aliases.Where(a => a.Version == number).Select(a => a.Alias).ToList();
        var moves = new List<IReadOnlyList<string>> { MoveHeader };
        foreach (var alias in item.Aliases.Select(a => a.Alias).Distinct(StringComparer.Ordinal))
        {
            await foreach (var move in registry.AliasHistoryAsync(name, alias, cancellationToken))
            {
                if (move.After == id || move.Before == id)
                {
                    moves.Add([move.At.ToString("u", CultureInfo.InvariantCulture), alias, move.Who, move.Before ?? "", move.After ?? "", move.Why ?? ""]);
                }
            }
        }

        sections.Add(new CardSection("Aliases", [aliases.Count == 0 ? "No alias points at this version now." : $"Now: {string.Join(", ", aliases)}."], moves.Count == 1 ? null : moves));

        var approvals = new List<IReadOnlyList<string>> { ApprovalHeader };
        await foreach (var request in governance.Approvals.ListAsync(cancellationToken: cancellationToken))
        {
            if (request.Parameters.GetValueOrDefault("name") == name && request.Parameters.GetValueOrDefault("version") == number.ToString(CultureInfo.InvariantCulture))
            {
                approvals.Add([request.Id, $"{request.Kind} {request.Target}", request.RequestedBy, string.Join(", ", request.Approvals.Select(a => a.By)), request.Status]);
            }
        }

        sections.Add(new CardSection("Approvals", approvals.Count == 1 ? ["No change of this version needed an approval."] : [], approvals.Count == 1 ? null : approvals));

        var deployments = new List<IReadOnlyList<string>> { DeploymentHeader };
        await foreach (var deployment in registry.ListDeploymentsAsync(name, cancellationToken))
        {
            if (deployment.Version == number)
            {
                deployments.Add([deployment.Id, deployment.Environment, deployment.DeployedAt.ToString("u", CultureInfo.InvariantCulture), deployment.DeployedBy, deployment.Status,
                    deployment.CanaryPercent is { } percent ? $"{percent}% canary" : "all"]);
            }
        }

        sections.Add(new CardSection("Deployments", deployments.Count == 1 ? ["Not deployed."] : [], deployments.Count == 1 ? null : deployments));
        return new Card(id, $"{(version.Template is null ? "Model" : "Prompt")} card: {id}", clock.GetUtcNow(), sections);
    }

    private async Task<Card> DatasetCardAsync(string id, CancellationToken cancellationToken)
    {
        var manifest = await datasets.GetAsync(id, cancellationToken) ?? throw LlmOpsException.NotFound($"No dataset version {id}.");
        var sections = new List<CardSection>
        {
            new("Overview",
            [
                $"- Feature: {manifest.Feature}, source {manifest.Source}, preprocessing {manifest.PreprocessingVersion}",
                $"- From {manifest.SourceBlob} ({manifest.SourceETag}), created {manifest.CreatedAt.ToString("u", CultureInfo.InvariantCulture)}",
                $"- Content SHA-256 {manifest.ContentSha256}",
            ]),
        };
        await AddDataAsync(sections, id, cancellationToken);
        sections.Add(new CardSection("Schema", [], [["field", "type", "required"], .. manifest.Schema.Select(f => (IReadOnlyList<string>)[f.Name, f.Type.ToString(), f.Required ? "yes" : "no"])]));
        var downstream = await lineage.QueryAsync(id, LineageDirection.Downstream, 3, cancellationToken);
        sections.Add(new CardSection("Used by", downstream.Nodes.Where(n => n.Id != id).Select(n => $"- {n.Id}").DefaultIfEmpty("Nothing downstream yet.").ToList()));
        return new Card(id, $"Dataset card: {id}", clock.GetUtcNow(), sections);
    }

    /// <summary>The dataset versions upstream of <paramref name="id"/> (the id itself when it is one) with their quality, and the audited changes of it.</summary>
    private async Task AddDataAsync(List<CardSection> sections, string id, CancellationToken cancellationToken)
    {
        var upstream = await lineage.QueryAsync(id, LineageDirection.Upstream, 6, cancellationToken);
        var rows = new List<IReadOnlyList<string>> { DataHeader };
        foreach (var node in upstream.Nodes.Where(n => n.Kind == "dataset"))
        {
            if (await datasets.GetAsync(node.Id, cancellationToken) is { } manifest)
            {
                rows.Add([manifest.Id, manifest.Records.ToString(CultureInfo.InvariantCulture),
                    $"{manifest.Quality.Quarantined} ({manifest.Quality.QuarantineRate:P1}{(manifest.Quality.QuarantinedByRule.Count == 0 ? "" : ": " + string.Join(", ", manifest.Quality.QuarantinedByRule.Select(r => $"{r.Key} {r.Value}")))})",
                    string.Join(", ", manifest.Pii.Select(p => $"{p.Key} {p.Value}")), string.Join(", ", manifest.Languages.Select(l => $"{l.Key} {l.Value}"))]);
            }
        }

        sections.Add(new CardSection("Data", rows.Count == 1 ? ["No dataset version upstream in lineage."] : [], rows.Count == 1 ? null : rows));
        sections.Add(new CardSection("Lineage (upstream)", upstream.Edges.Select(e => $"- {e.From} --{e.Relation}--> {e.To}").DefaultIfEmpty("Nothing upstream.").ToList()));
        var changes = new List<IReadOnlyList<string>> { ChangeHeader };
        await foreach (var entry in governance.Audit.ListAsync(relatedTo: id, cancellationToken: cancellationToken))
        {
            changes.Add([entry.Seq.ToString(CultureInfo.InvariantCulture), entry.At.ToString("u", CultureInfo.InvariantCulture), entry.Who, entry.Action, entry.Target, entry.Why ?? ""]);
        }

        sections.Add(new CardSection("Audited changes", changes.Count == 1 ? ["No audited change names this id."] : [], changes.Count == 1 ? null : changes));
    }
}
