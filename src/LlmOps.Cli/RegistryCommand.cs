using System.CommandLine;
using System.Globalization;
using LlmOps.Errors;
using LlmOps.Lifecycle;
using LlmOps.Registry;
using Spectre.Console;
using LlmOps.Triggers;

namespace LlmOps.Cli;

/// <summary>`llmops registry register | alias | promote | deploy | traffic | canary | shadow | show | list`.</summary>
internal static class RegistryCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var name = new Argument<string>("name") { Description = "model:<name> or prompt:<name> (a bare name is a model)." };
        var run = new Option<string?>("--run") { Description = "The run that produced this version (a model needs one; for a prompt without it, a run in experiment prompt-authoring records the registration)." };
        var template = new Option<FileInfo?>("--template") { Description = "A prompt's template file ({{variable}} placeholders)." };
        var artifact = new Option<string?>("--artifact") { Description = "The run artifact this model version is (path under the run)." };
        var description = new Option<string?>("--description") { Description = "What this version is." };
        var tags = new Option<string[]>("--tag") { Description = "A tag as key=value; repeat for more.", AllowMultipleArgumentsPerToken = false };
        var feature = new Option<string?>("--feature") { Description = "The feature whose lifecycle gates promotion (default: the run's feature tag, else its experiment)." };
        var register = new Command("register", "Register a new immutable version linked to the run that produced it.") { name, run, template, artifact, description, tags, feature, connection };
        register.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var templateFile = parse.GetValue(template);
            var runId = parse.GetValue(run) ?? await AuthoringRunAsync(services, parse.GetValue(name)!, templateFile, cancellationToken);
            var version = await services.Registry.RegisterAsync(
                new RegisterRequest(parse.GetValue(name)!, runId)
                {
                    Template = templateFile is null ? null : await File.ReadAllTextAsync(templateFile.FullName, cancellationToken),
                    Artifact = parse.GetValue(artifact),
                    Description = parse.GetValue(description),
                    Feature = parse.GetValue(feature),
                    Tags = ParseTags(parse.GetValue(tags) ?? []),
                },
                cancellationToken);
            console.MarkupLineInterpolated($"[green]Registered {version.Id}[/] from {version.RunId}{(version.Variables.Count > 0 ? $" (variables: {string.Join(", ", version.Variables)})" : "")}.");
            return 0;
        }));

        var aliasName = new Argument<string>("name") { Description = "The registered name." };
        var alias = new Argument<string>("alias") { Description = "champion, challenger or any lower-case name." };
        var aliasVersion = new Argument<int>("version") { Description = "The version number to point at." };
        var aliasReason = new Option<string?>("--reason") { Description = "Why (recorded in the audit log)." };
        var aliasCommand = new Command("alias", "Point an alias at a version (moved atomically; a concurrent move makes one of the two fail with a conflict). Moving the champion needs the approver role.") { aliasName, alias, aliasVersion, aliasReason, connection };
        aliasCommand.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var moved = await services.Registry.MoveAliasAsync(parse.GetValue(aliasName)!, parse.GetValue(alias)!, parse.GetValue(aliasVersion), parse.GetValue(aliasReason), cancellationToken);
            console.MarkupLineInterpolated($"[green]{moved.Name}@{moved.Alias}[/] -> version {moved.Version}.");
            return 0;
        }));

        var promoteName = new Argument<string>("name") { Description = "The registered name." };
        var promoteVersion = new Argument<int>("version") { Description = "The version to promote." };
        var promoteAlias = new Option<string>("--alias") { Description = "The alias to move.", DefaultValueFactory = _ => ModelRegistry.Champion };
        var lifecycleFile = new Option<FileInfo?>("--lifecycle") { Description = "Take the gates from this lifecycle file instead of the feature's published one." };
        var promote = new Command("promote", "Move an alias (champion by default) to a version that meets the lifecycle's release gates: a prompt with an evaluation set is evaluated against the alias's current version (evidence kept in lineage); otherwise the version's run metrics are checked. Refuse (exit 3) and say which gate fails otherwise.") { promoteName, promoteVersion, promoteAlias, lifecycleFile, connection };
        promote.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var file = parse.GetValue(lifecycleFile);
            var name = parse.GetValue(promoteName)!;
            if (file is null && await services.Gates.EvaluatesAsync(name, cancellationToken))
            {
                // A prompt with an evaluation set: evaluated against the alias's current version, the decision kept as evidence.
                var (report, alias) = await services.Gates.PromoteAsync(name, parse.GetValue(promoteVersion), parse.GetValue(promoteAlias)!, new Evaluation.EvaluationRequest(),
                    new Progress<string>(line => console.MarkupLineInterpolated($"[grey]{line}[/]")), cancellationToken);
                console.Write(GateTables.Report(report));
                console.MarkupLineInterpolated($"[green]Promoted: {alias.Name}@{alias.Alias}[/] -> version {alias.Version} (every release gate met; evidence {report.Id}).");
                return 0;
            }

            var lifecycle = file is null ? null : await LifecycleParser.LoadAsync(file.FullName, cancellationToken);
            var moved = await services.Registry.PromoteAsync(name, parse.GetValue(promoteVersion), parse.GetValue(promoteAlias)!, lifecycle, cancellationToken);
            console.MarkupLineInterpolated($"[green]Promoted: {moved.Name}@{moved.Alias}[/] -> version {moved.Version} (every release gate met by its run's metrics).");
            return 0;
        }));

        var historyName = new Argument<string>("name") { Description = "The registered name." };
        var historyAlias = new Argument<string>("alias") { Description = "The alias (champion, challenger, ...)." };
        var historyConnection = StorageOption.Create();
        var history = new Command("history", "Every move of an alias, newest first: who, when, from, to, and the evidence (gate report, approvals), from the audit log.") { historyName, historyAlias, historyConnection };
        history.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, historyConnection, cancellationToken);
            var table = new Table().AddColumns("At", "By", "From", "To", "Evidence").Border(TableBorder.Rounded);
            await foreach (var move in services.Registry.AliasHistoryAsync(parse.GetValue(historyName)!, parse.GetValue(historyAlias)!, cancellationToken))
            {
                table.AddRow(move.At.ToString("u", System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(move.Who), Markup.Escape(move.Before ?? ""), Markup.Escape(move.After ?? ""), Markup.Escape(move.Why ?? ""));
            }

            console.Write(table);
            return 0;
        }));

        var deployName = new Argument<string>("name") { Description = "The registered name." };
        var deployVersion = new Argument<int>("version") { Description = "The version deployed." };
        var environment = new Option<string>("--env") { Description = "The environment (prod, staging, ...).", Required = true };
        var deployReason = new Option<string?>("--reason") { Description = "Why (recorded in the audit log; who deployed is the caller)." };
        var canaryPercent = new Option<int?>("--canary") { Description = "Deploy as a canary taking this percent (1-99) of the traffic beside the stable deployment, until the canary check promotes or rolls it back." };
        var shadowVersion = new Option<int?>("--shadow") { Description = "A version the LlmOps.Client middleware also runs on a share of this deployment's calls, off the request path: its answers are traced with llmops.shadow=true for comparison (llmops registry shadow) and never shown." };
        var shadowPercent = new Option<int>("--shadow-percent") { Description = "The share of calls (1-100) the shadow answers too.", DefaultValueFactory = _ => 10 };
        var deploy = new Command("deploy", "Record that a version was deployed to an environment (all traffic, or a canary share, optionally with a shadow version), and link it in the lineage graph. Needs the approver role.") { deployName, deployVersion, environment, deployReason, canaryPercent, shadowVersion, shadowPercent, connection };
        deploy.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var shadow = parse.GetValue(shadowVersion) is { } shadowed ? (shadowed, parse.GetValue(shadowPercent)) : ((int, int)?)null;
            var deployment = await services.Registry.DeployAsync(parse.GetValue(deployName)!, parse.GetValue(deployVersion), parse.GetValue(environment)!, parse.GetValue(canaryPercent), shadow, parse.GetValue(deployReason), cancellationToken);
            console.MarkupLineInterpolated($"[green]Recorded {deployment.Id}[/]: {ModelRegistry.VersionId(deployment.Name, deployment.Version)} to {deployment.Environment} by {deployment.DeployedBy}{(deployment.Stable is null ? "" : $", a canary taking {deployment.CanaryPercent}% beside {deployment.Stable}")}{(deployment.ShadowVersion is { } sv ? $", shadowed by {ModelRegistry.VersionId(deployment.Name, sv)} on {deployment.ShadowPercent}% of its calls" : "")}.");
            if (deployment.Stable is not null)
            {
                console.MarkupLine("Traces that carry this deployment id are compared with the stable deployment's by the CheckCanaries timer (or now: llmops registry canary NAME --env ENV).");
            }

            return 0;
        }));

        var trafficName = new Argument<string>("name") { Description = "The registered name." };
        var trafficEnvironment = new Option<string>("--env") { Description = "The environment.", Required = true };
        var key = new Option<string?>("--key") { Description = "A request key (user or session id): show which deployment answers it." };
        var traffic = new Command("traffic", "Show what serves a name in an environment: the stable deployment and the canary beside it with its share.") { trafficName, trafficEnvironment, key, connection };
        traffic.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var split = await services.Registry.GetTrafficAsync(parse.GetValue(trafficName)!, parse.GetValue(trafficEnvironment)!, cancellationToken);
            if (split.Stable is null)
            {
                throw LlmOpsException.NotFound($"{split.Name} has no deployment serving {split.Environment}.");
            }

            console.MarkupLineInterpolated($"{split.Name} in {split.Environment}: {split.Stable.Id} (version {split.Stable.Version}) {100 - split.CanaryPercent}%");
            if (split.Canary is { } canary)
            {
                console.MarkupLineInterpolated($"  canary {canary.Id} (version {canary.Version}) {split.CanaryPercent}%, since {canary.DeployedAt:u}");
            }

            if (parse.GetValue(key) is { } requestKey)
            {
                console.MarkupLineInterpolated($"Key {requestKey} (bucket {TrafficSplit.Bucket(requestKey)}) -> {split.Route(requestKey)!.Id}");
            }

            return 0;
        }));

        var canaryName = new Argument<string>("name") { Description = "The registered name." };
        var canaryEnvironment = new Option<string>("--env") { Description = "The environment.", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Compare and show the decision without promoting or rolling back." };
        var canaryFormat = new Option<string>("--format") { Description = "table, json or markdown.", DefaultValueFactory = _ => "table" };
        canaryFormat.AcceptOnlyFromAmong("table", "json", "markdown");
        var canary = new Command("canary", "Compare the canary with the stable deployment on production traces now (as the CheckCanaries timer does) with the lifecycle's gates.canary and promote or roll it back; exit 0 promoted or waiting, 3 rolled back.") { canaryName, canaryEnvironment, dryRun, canaryFormat, connection };
        canary.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var report = await services.Canaries.CheckAsync(parse.GetValue(canaryName)!, parse.GetValue(canaryEnvironment)!, act: !parse.GetValue(dryRun), cancellationToken)
                ?? throw LlmOpsException.NothingToCompare($"No canary of {parse.GetValue(canaryName)} runs in {parse.GetValue(canaryEnvironment)} (llmops registry deploy NAME VERSION --env ENV --canary 10).");
            switch (parse.GetValue(canaryFormat))
            {
                case "json":
                    console.Profile.Out.Writer.WriteLine(System.Text.Json.JsonSerializer.Serialize(report, System.Text.Json.JsonSerializerOptions.Web));
                    break;
                case "markdown":
                    console.Profile.Out.Writer.Write(Evaluation.CanaryCheck.Markdown(report));
                    break;
                default:
                    console.Write(RowsTable("Canary", "Stable", report.Rows, row => report.WaitingFor(row.Metric) is not null, "0.####", "refused"));
                    console.MarkupLineInterpolated($"{report.CanaryVersion} ({report.CanaryRequests} requests) against {report.StableVersion} ({report.StableRequests} requests) since {report.Since:u}: ");
                    console.MarkupLine(report.Decision switch
                    {
                        Evaluation.CanaryReport.Promote => parse.GetValue(dryRun) ? "[green]would promote[/]" : $"[green]promoted[/]: it now serves all traffic. Evidence: {Markup.Escape(report.Id)}",
                        Evaluation.CanaryReport.RollBack => parse.GetValue(dryRun) ? "[red]would roll back[/]" : $"[red]rolled back[/]: the stable deployment serves all traffic again. Evidence: {Markup.Escape(report.Id)}",
                        _ => "[yellow]waiting[/]: " + Markup.Escape(string.Join("; ", report.Waiting)),
                    });
                    break;
            }

            return report.Decision == Evaluation.CanaryReport.RollBack ? ErrorMapping.ExitCode(ErrorCode.GateRefused) : 0;
        }));

        var showName = new Argument<string>("name") { Description = "The registered name." };
        var show = new Command("show", "Show a registered name: versions with their runs, aliases and deployments.") { showName, connection };
        show.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var item = await services.Registry.GetAsync(parse.GetValue(showName)!, cancellationToken)
                ?? throw LlmOpsException.NotFound($"{ModelRegistry.QualifiedName(parse.GetValue(showName)!)} is not registered. Try `llmops registry list`.");
            console.MarkupLineInterpolated($"[bold]{item.Name}[/] ({item.Kind}, feature {item.Feature ?? "-"}): {item.Description ?? ""}");
            var aliases = item.Aliases.ToLookup(a => a.Version, a => a.Alias);
            var versions = new Table().AddColumns("Version", "Run", "Aliases", "Created", "By", "Description").Border(TableBorder.Rounded);
            await foreach (var version in services.Registry.ListVersionsAsync(item.Name, cancellationToken))
            {
                versions.AddRow(
                    version.Version.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(version.RunId),
                    Markup.Escape(string.Join(", ", aliases[version.Version])),
                    version.CreatedAt.ToString("u", CultureInfo.InvariantCulture),
                    Markup.Escape(version.CreatedBy),
                    Markup.Escape(version.Description ?? ""));
            }

            console.Write(versions);
            await foreach (var deployment in services.Registry.ListDeploymentsAsync(item.Name, cancellationToken))
            {
                console.MarkupLineInterpolated($"{deployment.Id}: version {deployment.Version} to {deployment.Environment} at {deployment.DeployedAt:u} by {deployment.DeployedBy}{(deployment.Stable is null ? "" : $", canary {deployment.CanaryPercent}% beside {deployment.Stable}: {deployment.Status}{(deployment.Decision is null ? "" : $" ({deployment.Decision})")}")}");
            }

            return 0;
        }));

        var list = new Command("list", "List registered models and prompts with their latest version and aliases.") { connection };
        list.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var table = new Table().AddColumns("Name", "Kind", "Latest", "Aliases", "Feature").Border(TableBorder.Rounded);
            await foreach (var item in services.Registry.ListAsync(cancellationToken))
            {
                table.AddRow(
                    Markup.Escape(item.Name),
                    item.Kind.ToString(),
                    item.LatestVersion.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join(", ", item.Aliases.Select(a => $"{a.Alias}={a.Version}"))),
                    Markup.Escape(item.Feature ?? "-"));
            }

            console.Write(table);
            return 0;
        }));

        return new Command("registry", "The model and prompt registry: immutable versions, aliases, gated promotion, deployments.") { register, aliasCommand, history, promote, deploy, traffic, canary, Shadow(console), show, list };
    }

    /// <summary>A finished run in experiment prompt-authoring for a prompt registered without one (a model must name its run).</summary>
    /// <summary>
    /// `llmops registry shadow` (also `llmops gate shadow`): the shadow version of the stable deployment against the
    /// version that answered, on the same requests.
    /// </summary>
    internal static Command Shadow(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var shadowName = new Argument<string>("name") { Description = "The registered name." };
        var shadowEnvironment = new Option<string>("--env") { Description = "The environment.", Required = true };
        var shadowFormat = new Option<string>("--format") { Description = "table or json.", DefaultValueFactory = _ => "table" };
        shadowFormat.AcceptOnlyFromAmong("table", "json");
        var shadowCommand = new Command("shadow", "Compare the shadow version of the stable deployment with the version that answered, on the same requests (shadow traces from the LlmOps.Client middleware), with the lifecycle's gates.canary; changes nothing. Exit 0 when it meets every gate or needs more pairs, 3 when it falls short.") { shadowName, shadowEnvironment, shadowFormat, connection };
        shadowCommand.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var report = await services.Canaries.CompareShadowAsync(parse.GetValue(shadowName)!, parse.GetValue(shadowEnvironment)!, cancellationToken)
                ?? throw LlmOpsException.NothingToCompare($"The deployment of {parse.GetValue(shadowName)} in {parse.GetValue(shadowEnvironment)} names no shadow (llmops registry deploy NAME VERSION --env ENV --shadow V).");
            if (parse.GetValue(shadowFormat) == "json")
            {
                console.Profile.Out.Writer.WriteLine(System.Text.Json.JsonSerializer.Serialize(report, System.Text.Json.JsonSerializerOptions.Web));
            }
            else
            {
                // Six decimals: a shadow's cost differences are fractions of a cent.
                console.Write(RowsTable("Shadow", "Served", report.Rows, row => row.Comparison is null, "0.######", "short"));
                foreach (var note in report.NotObservable)
                {
                    console.MarkupLineInterpolated($"  {note}");
                }

                console.MarkupLineInterpolated($"{report.ShadowVersion} in the shadow of {report.ServedVersion} ({report.Deployment}, {report.ShadowPercent}% of calls): {report.Pairs} pair(s) since {report.Since:u}: {report.Verdict}.");
            }

            return report.Verdict == Evaluation.ShadowReport.FallsShort ? 3 : 0;
        }));
        return shadowCommand;
    }

    /// <summary>A comparison's rows: candidate, baseline, the difference with its interval, the gate and the result.</summary>
    private static Table RowsTable(string candidate, string baseline, IEnumerable<Evaluation.GateRow> rows, Func<Evaluation.GateRow, bool> waiting, string format, string shortfall)
    {
        var table = new Table().AddColumns("Metric", candidate, baseline, "Difference (95% interval)", "Gate", "Result").Border(TableBorder.Rounded);
        string Number(double value) => value.ToString(format, CultureInfo.InvariantCulture);
        foreach (var row in rows)
        {
            table.AddRow(
                Markup.Escape(row.Metric),
                row.Candidate is { } c ? Number(c) : "-",
                row.Baseline is { } b ? Number(b) : "-",
                row.Comparison is { } d ? $"{d.Difference.ToString("+" + format + ";-" + format + ";0", CultureInfo.InvariantCulture)} ({Number(d.Low)} to {Number(d.High)})" : "-",
                Markup.Escape(row.Requirement ?? ""),
                waiting(row) ? "[yellow]waiting[/]" : row.Passed ? "[green]pass[/]" : "[red]" + Markup.Escape(row.Failure ?? shortfall) + "[/]");
        }

        return table;
    }

    private static async Task<string> AuthoringRunAsync(LlmOpsClient services, string name, FileInfo? templateFile, CancellationToken cancellationToken)
    {
        if (!ModelRegistry.QualifiedName(name).StartsWith("prompt:", StringComparison.Ordinal))
        {
            throw Errors.LlmOpsException.Invalid($"{name} is a model: register it with --run, the run whose artifact it is.");
        }

        var authored = await services.Tracker.StartRunAsync("prompt-authoring", new Tracking.RunStart
        {
            Name = $"register {name}",
            Params = new Dictionary<string, string> { ["template_file"] = templateFile?.Name ?? "" },
        }, cancellationToken);
        await services.Tracker.EndRunAsync(authored.Id, Tracking.RunStatus.Finished, cancellationToken);
        return authored.Id;
    }

    private static Dictionary<string, string> ParseTags(string[] pairs)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw LlmOpsException.Invalid($"--tag '{pair}' is not key=value.");
            }

            tags[pair[..eq]] = pair[(eq + 1)..];
        }

        return tags;
    }
}
