using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure;
using LlmOps.Datasets;
using LlmOps.Development;
using LlmOps.Embeddings;
using LlmOps.Evaluation;
using LlmOps.Ingestion;
using LlmOps.Labeling;
using LlmOps.Lifecycle;
using LlmOps.Monitoring;
using LlmOps.Registry;
using LlmOps.Samples;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>
/// `llmops demo`: the local loop on a throwaway Azurite. The sample lifecycle is published, sample support tickets
/// land under raw/tickets/, the blob trigger ingests them into a dataset version (with quarantine and PII
/// redaction), the queue trigger indexes the announced version, the heartbeat timer beats and /api/health answers.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The customer of the sample ticket T-1001, whose erasure the demo shows.</summary>
    private const string DemoSubject = "jane.doe@example.com";

    private const string Source = "tickets";
    private const string LabelProject = "ticket-intent";
    private const string SampleQuery = "charged twice, refund my card";
    private const string Prompt = "prompt:support-answer";
    private const string PromptTemplate = "Answer the customer's question from these past support tickets only, and cite the ticket you used as [chunk id].\n\n{{context}}";

    public static Command Create(IAnsiConsole console)
    {
        var connectionString = new Option<string?>("--connection-string")
        {
            Description = "Use this storage account instead of starting a throwaway in-memory Azurite.",
        };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for each step before failing.",
            DefaultValueFactory = _ => 60,
        };
        var command = new Command("demo", "Run the demo end to end on local storage and exit 0 when every step worked.") { connectionString, timeout };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await RunAsync(console, parse.GetValue(connectionString), StorageOption.Prefix(parse), TimeSpan.FromSeconds(parse.GetValue(timeout)), cancellationToken);
            }
            catch (TimeoutException ex)
            {
                console.MarkupLineInterpolated($"[red]Demo failed:[/] {ex.Message}");
                return 1;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(IAnsiConsole console, string? connectionString, string? prefix, TimeSpan stepTimeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var steps = new Table().AddColumns("Step", "Result", "Seconds").Border(TableBorder.Rounded);
        void Done(string step, string result) => steps.AddRow(Markup.Escape(step), Markup.Escape(result), $"{clock.Elapsed.TotalSeconds:0.0}");

        var configuration = new Dictionary<string, string?>
        {
            ["LlmOps:Host:HttpPort"] = "0",
            // Beat every second so the demo sees the timer without waiting for the production cadence.
            [TriggerCatalog.HeartbeatScheduleSetting] = "* * * * * *",
            // Check canaries every second too, so the demo's canary is decided by the timer while it waits.
            [TriggerCatalog.CanaryCheckScheduleSetting] = "* * * * * *",
            // Publish the hosts' status every second, so the demo's status step sees this run's listeners and worker.
            [LlmOps.Monitoring.HostStatusPublisher.IntervalSetting] = "00:00:01",
        };
        var azurite = new AzuriteOptions { Progress = line => console.MarkupLineInterpolated($"[grey]{line}[/]") };
        await using var stack = await LocalStack.StartAsync(connectionString, prefix, azurite, configuration, LogLevel.Warning, cancellationToken);
        Done("Start storage and local host", $"HTTP at {stack.Host.HttpAddress}");
        await stack.Host.Worker.WaitUntilReadyAsync(cancellationToken);
        Done("Start the Functions app's worker", stack.Host.Worker.Describe());
        var storage = stack.Storage;
        var started = DateTimeOffset.UtcNow;
        DatasetManifest? manifest = null;
        IngestionRecord? ingestion = null;
        string? lineage = null;
        SearchResult? search = null;
        string? indexId = null;
        RetrievalEvaluation? evaluation = null;
        DatasetManifest? labeled = null;
        GateReport? refusal = null;
        LlmOps.Feedback.FeedbackStats? feedback = null;
        Deployment? canary = null;
        MetricComparison? apiDocs = null;
        IngestionRecord? archive = null;
        IReadOnlyList<string>? notified = null;
        LlmOps.Governance.AuditVerification? audit = null;
        // Stands in for a Slack or Teams channel: the sample lifecycle is published with a notify section that sends
        // refused gates, rolled-back canaries and budget breaches here, and a budget the demo's traffic passes.
        using var webhook = new DemoWebhook();

        await console.Status().StartAsync("Publishing the sample lifecycle...", async status =>
        {
            using (var catalog = new LifecycleCatalog(storage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System) { DefaultCaller = LlmOps.Governance.ProcessIdentity.Resolve(storage.Credential) }, new LlmOps.Lineage.LineageStore(storage, TimeProvider.System)))
            {
                var lifecycle = await catalog.PublishAsync(ReadSample("samples/support-answers.lifecycle.yaml") + webhook.LifecycleSections, "support-answers.lifecycle.yaml", cancellationToken);
                Done("Publish lifecycle", $"config/{StorageNames.LifecyclePrefix}{lifecycle.Feature}.yaml");
            }

            status.Status("Dropping sample support tickets under raw/...");
            var name = $"{Source}/tickets-{started:yyyyMMdd-HHmmss}.jsonl";
            var raw = storage.Container(StorageNames.RawContainer);
            var uploaded = await raw.GetBlobClient(name).UploadAsync(BinaryData.FromString(ReadSample("samples/support-tickets.jsonl")), overwrite: true, cancellationToken);
            Done("Drop sample data", $"raw/{name}");

            status.Status("Waiting for the blob trigger to ingest the drop...");
            var ingestions = new IngestionLog(storage);
            ingestion = await WaitForAsync(() => ingestions.GetAsync(Source, name, uploaded.Value.ETag.ToString(), cancellationToken), stepTimeout, "the ingestion record", cancellationToken);
            Done("Blob trigger: ETL", $"{ingestion.Status}: {ingestion.VersionId ?? ingestion.Reason}");
            if (ingestion.VersionId is { } versionId)
            {
                var datasets = new DatasetStore(storage);
                manifest = await datasets.GetAsync(versionId, cancellationToken);
                status.Status("Waiting for the queue trigger to index the version...");
                var entry = await WaitForAsync(() => datasets.GetEntryAsync(versionId, cancellationToken), stepTimeout, "the dataset version index entry", cancellationToken);
                Done("Queue trigger: index version", $"{entry.VersionId} ({entry.Records} records, {entry.Chunks} chunks)");

                status.Status("Waiting for the queue trigger to embed the version...");
                indexId = EmbeddingIndexManifest.IdFor(versionId, EmbeddingSettings.Default.Model, EmbeddingSettings.Default.Dimensions);
                var indexes = new EmbeddingIndexStore(storage);
                var index = await WaitForAsync(() => indexes.GetAsync(indexId, cancellationToken), stepTimeout, "the embedding index version", cancellationToken);
                Done("Queue trigger: embed chunks", $"{indexId} ({index.Vectors} vectors, {index.Embedded} embedded, {index.Reused} reused)");
            }

            status.Status("Waiting for a heartbeat...");
            var heartbeats = new HeartbeatLog(storage);
            var (beat, elsewhere) = await WaitForTimerAsync(
                storage, TriggerCatalog.Heartbeat,
                async () => await heartbeats.SinceAsync(started, cancellationToken).FirstOrDefaultAsync(cancellationToken),
                () => new HeartbeatRecorder(storage, TimeProvider.System).HandleAsync(new TimerTriggerInput(DateTimeOffset.UtcNow, false, null, null), cancellationToken),
                stepTimeout, "a heartbeat", cancellationToken);
            Done("Timer trigger: heartbeat", $"beat scheduled {beat.ScheduledTime:HH:mm:ss}{elsewhere}");

            status.Status("Calling GET /api/health...");
            using var http = new HttpClient { BaseAddress = stack.Host.HttpAddress, Timeout = stepTimeout };
            var health = await http.GetFromJsonAsync<HealthReport>(new Uri("/api/health", UriKind.Relative), cancellationToken)
                ?? throw new InvalidOperationException("/api/health returned no body.");
            Done("HTTP trigger: GET /api/health", $"{health.Status}, version {health.Version}");
            if (manifest is not null && indexId is not null)
            {
                status.Status("Calling GET /api/lineage/{version}...");
                var key = (await stack.Host.GetKeysAsync(cancellationToken)).FunctionKey;
                lineage = await http.GetStringAsync(new Uri($"/api/lineage/{Uri.EscapeDataString(manifest.Id)}?direction=up&format=text&code={Uri.EscapeDataString(key)}", UriKind.Relative), cancellationToken);
                Done("HTTP trigger: GET /api/lineage", lineage.Split('\n')[0]);

                status.Status("Calling GET /api/search...");
                var found = await http.GetFromJsonAsync<SearchResult>(new Uri($"/api/search?q={Uri.EscapeDataString(SampleQuery)}&index={Uri.EscapeDataString(indexId)}&k=3&code={Uri.EscapeDataString(key)}", UriKind.Relative), JsonSerializerOptions.Web, cancellationToken)
                    ?? throw new InvalidOperationException("/api/search returned no body.");
                search = found;
                Done("HTTP trigger: GET /api/search", $"'{SampleQuery}' -> {(found.Hits.Count > 0 ? found.Hits[0].Chunk.ChunkId : "no hit")}");

                status.Status("Scoring retrieval on the sample query set...");
                using var services = new LlmOpsClient(stack.ConnectionString, stack.Prefix);
                evaluation = await services.Evaluator.EvaluateAsync(RetrievalEvaluator.ParseQueries(ReadSample("samples/support-queries.jsonl")), indexId, cancellationToken: cancellationToken);
                Done("Retrieval eval, logged as a run", $"recall@5 {evaluation.RecallAtK:0.00}, MRR {evaluation.Mrr:0.00}, nDCG@5 {evaluation.NdcgAtK:0.00} ({evaluation.RunId})");

                status.Status("Dropping annotators' labels under labels/...");
                var labelFile = $"{LabelProject}/labels-{started:yyyyMMdd-HHmmss}.json";
                await storage.Container(StorageNames.LabelsContainer).GetBlobClient(labelFile).UploadAsync(BinaryData.FromString(ReadSample("samples/ticket-intent.labels.json")), overwrite: true, cancellationToken);
                status.Status("Waiting for the blob trigger to check the labels...");
                var labelReport = await WaitForAsync(
                    async () => (await services.Labeling.Batches.ListAsync(LabelProject, cancellationToken)).Count > 0 && await services.Labeling.LatestAsync(LabelProject, html: false, cancellationToken) is { } latest
                        ? latest.ToObjectFromJson<LabelingReport>(JsonSerializerOptions.Web)
                        : null,
                    stepTimeout, "the labeling QA report", cancellationToken);
                Done("Blob trigger: labeling QA", string.Join(", ", labelReport.Fields.Select(f => $"{f.Field} alpha {f.Value:0.00} ({f.Level})")) + $"; {labelReport.Adjudication.Count(a => a.Decision is null)} to adjudicate");
                foreach (var open in labelReport.Adjudication.Where(a => a.Decision is null))
                {
                    // The demo's reviewer takes the first annotator's label; a person decides in label-review.ipynb or with llmops label adjudicate.
                    await services.Labeling.AdjudicateAsync(LabelProject, new Adjudication(open.Item, open.Field, open.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).First().Value.Split('|'), "demo", "the demo reviewer takes the first annotator's label", DateTimeOffset.UtcNow), cancellationToken);
                }

                labeled = (await services.Labeling.PublishAsync(LabelProject, cancellationToken)).Manifest;
                Done("Adjudicate and publish labels", $"{labeled.Id} ({labeled.Records} labeled tickets)");

                status.Status("Publishing the evaluation set and gating two prompt versions...");
                refusal = await GatePromptsAsync(services, evaluation.RunId, Done, cancellationToken);

                status.Status("Creating a named key for the production app...");
                var appKeyName = $"support-app-{started:yyyyMMddHHmmss}";
                var (appKey, appSecret) = await services.Governance.CreateKeyAsync(appKeyName, LlmOps.Governance.Role.Contributor, null, cancellationToken);
                Done("Named key (llmops keys create)", $"{appKey.Principal}, contributor; the app's traces are recorded as posted by it");

                status.Status("Running the SupportBot sample through the LlmOps.Client middleware...");
                feedback = await SupportBotAsync(http, appSecret, services, Done, stepTimeout, cancellationToken);

                status.Status("Rolling out the second prompt version as a 10% canary; waiting for the canary timer...");
                canary = await CanaryAsync(http, appSecret, services, Done, stepTimeout, cancellationToken);

                status.Status("Waiting for the notifications to reach the demo's webhook...");
                notified = await WaitForAsync(() => Task.FromResult<IReadOnlyList<string>?>(webhook.Kinds.Count >= 3 ? webhook.Kinds : null), stepTimeout, "three notifications at the demo's webhook", cancellationToken);
                Done("Queue trigger: notifications", $"{string.Join(", ", notified)} delivered to the demo's webhook (llmops notify list)");
                var operations = await services.Status.GetAsync(cancellationToken);
                Done("Status (llmops status)", $"{operations.Functions.Count(f => f.State == LlmOps.Monitoring.ListenerState.Listening)} listeners listening, worker {operations.Worker ?? "not reported yet"}, "
                    + $"{operations.Functions.Sum(f => f.Poisoned ?? 0)} poisoned, budgets breached: {string.Join(", ", operations.Budgets.Where(b => b.Breached).Select(b => b.Metric).DefaultIfEmpty("none"))}");

                status.Status("The api-docs feature: a sample of the SDK's API documentation through the triggers, MiniLM against lexical...");
                apiDocs = await ApiDocsAsync(storage, services, started, Done, stepTimeout, cancellationToken);

                status.Status("The ticket-archive feature: a large export ingested in shards by the queue-driven instances...");
                archive = await ArchiveAsync(storage, services, started, Done, stepTimeout, cancellationToken);

                status.Status("Writing the champion prompt's card...");
                var championCard = await services.Cards.WriteAsync(ModelRegistry.VersionId(Prompt, (await services.Registry.GetAliasAsync(Prompt, ModelRegistry.Champion, cancellationToken))!.Version), cancellationToken);
                Done("Card (llmops card)", $"{championCard.Card.Title}: {championCard.Card.Sections.Count} sections, {championCard.Path}.md and .html");

                status.Status("Retention: what each lifecycle's numbers would delete today (a dry run)...");
                var retention = await services.Retention.RunAsync(dryRun: true, cancellationToken);
                Done("Retention (llmops retention run --dry-run)", $"{retention.Deleted} item(s) expired today, {retention.Results.Select(r => r.Feature).Where(f => f != "*").Distinct().Count()} features checked; "
                    + $"{retention.ProtectedIds} ids kept whatever their age for the deployments and aliases that came from them");

                status.Status("Erasing a data subject (the customer of ticket T-1001) everywhere...");
                var erasure = await services.Erasure.EraseAsync(DemoSubject, why: "demo: a customer's erasure request", cancellationToken: cancellationToken);
                Done("Erasure (llmops erase)", $"{erasure.Removed} record(s) of {erasure.Subject} removed from {erasure.Items.Count(i => i.Removed > 0)} places; "
                    + $"{erasure.Items.Count(i => i.Store == "dataset" && i.Successor is not null)} successor dataset version(s), {erasure.Items.Count(i => i.Store == "index" && i.Successor is not null)} index(es); on the suppression list");

                status.Status("Resolving the prompt an app should use (GET /api/prompts/support-answer/resolve)...");
                var resolveUri = new Uri($"/api/prompts/support-answer/resolve?unit=user-1&env=prod&code={Uri.EscapeDataString(appSecret)}", UriKind.Relative);
                using (var resolved = await http.GetAsync(resolveUri, cancellationToken))
                {
                    resolved.EnsureSuccessStatusCode();
                    var served = await resolved.Content.ReadFromJsonAsync<PromptResolution>(cancellationToken) ?? throw new InvalidOperationException("The resolve answer had no body.");
                    using var poll = new HttpRequestMessage(HttpMethod.Get, resolveUri) { Headers = { IfNoneMatch = { resolved.Headers.ETag! } } };
                    using var polled = await http.SendAsync(poll, cancellationToken);
                    Done("HTTP trigger: GET /api/prompts/.../resolve", $"user-1 gets {served.PromptVersion} ({served.Role}, {served.Deployment}); a poll with its ETag: {(int)polled.StatusCode}");
                }

                status.Status("Checking drift (what the DriftSchedule timer runs when the lifecycle's schedule is due)...");
                var drift = await services.Drift.CheckAllAsync("support-answers", cancellationToken);
                Done("Drift check (llmops drift check)", string.Join("; ", drift.Reports.Select(r =>
                    $"{r.Source}: {r.Checks.Count} signals, {r.Checks.Count(c => c.Status == LlmOps.Drift.DriftStatus.Alert)} alert(s), {r.Checks.Count(c => c.Status == LlmOps.Drift.DriftStatus.Warn)} warning(s) against {r.Reference}; reports/{r.Folder}report.html")));

                status.Status("Opening the web console (GET /api/console and the overview behind it)...");
                var consolePage = await http.GetByteArrayAsync(new Uri($"/api/console?code={Uri.EscapeDataString(appSecret)}", UriKind.Relative), cancellationToken);
                using (var overview = JsonDocument.Parse(await http.GetStringAsync(new Uri($"/api/console-api/overview?code={Uri.EscapeDataString(appSecret)}", UriKind.Relative), cancellationToken)))
                {
                    Done("Web console (/api/console)", $"{consolePage.Length / 1024} KB page, {overview.RootElement.GetProperty("features").GetArrayLength()} features on its overview; `llmops up` prints its address with a key");
                }

                status.Status("Verifying the audit log...");
                var changes = await services.Governance.Audit.ListAsync(since: started, cancellationToken: cancellationToken).ToListAsync(cancellationToken);
                audit = await services.Governance.Audit.VerifyAsync(cancellationToken: cancellationToken);
                Done("Audit log (llmops audit verify)", $"{changes.Count} changes by {string.Join(", ", changes.GroupBy(c => c.Who).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))}; "
                    + (audit.Valid ? $"hash chain of {audit.Entries} entries whole" : $"BROKEN: {audit.Problem}"));
            }
        });

        console.Write(steps);
        if (manifest is not null)
        {
            console.Write(ResultTables.Manifest(manifest));
        }

        if (lineage is not null)
        {
            console.WriteLine("Lineage of the version (llmops lineage " + manifest!.Id + " --up):");
            await console.Profile.Out.Writer.WriteLineAsync(lineage.TrimEnd().AsMemory(), cancellationToken);
        }

        if (search is not null)
        {
            console.WriteLine($"Search '{search.Query}' (llmops search):");
            foreach (var hit in search.Hits)
            {
                console.WriteLine($"  {hit.Score:0.000}  {hit.Chunk.ChunkId}  {hit.Chunk.Text}");
            }
        }

        if (ingestion is { Quarantined: > 0 })
        {
            console.MarkupLineInterpolated($"Quarantined {ingestion.Quarantined} record(s) ({ingestion.QuarantinedByRule}), kept in quarantine/{ingestion.QuarantineFolder}");
        }

        if (refusal is not null)
        {
            console.Write(GateTables.Report(refusal));
            GateTables.Failures(console, refusal);
        }

        if (feedback is not null)
        {
            console.WriteLine($"Feedback of {feedback.Feature} (llmops feedback stats {feedback.Feature} --by prompt):");
            foreach (var group in feedback.Groups)
            {
                console.WriteLine($"  {group.Group}: {group.Requests} requests, thumbs up {group.ThumbsUpRate:P0} of {group.ThumbsRated}, corrections {group.CorrectionRate:P0}, latency p95 {group.LatencyP95:0} ms, errors {group.ErrorRate:P0}, safety flags {group.SafetyFlagRate:P0}");
            }
        }

        var ok = ingestion?.Status is nameof(IngestionStatus.Published) or nameof(IngestionStatus.Unchanged) && evaluation is not null && labeled is not null && refusal is { Passed: false } && feedback is { Groups.Count: > 0 } && canary is { Status: Deployment.RolledBack } && notified is { Count: >= 3 } && apiDocs is not null && archive is { Status: nameof(IngestionStatus.Published) } && audit is { Valid: true };
        console.MarkupLine(ok
            ? "[green]Demo complete:[/] the drop became an immutable dataset version and a searchable embedding index, and the annotators' labels passed QA into a labeled version, the release gate promoted a prompt and refused a worse one, production traces and feedback became statistics, a worse canary was rolled back on them, the refusal, the rollback and a budget breach reached a webhook, on the API documentation the local MiniLM model outranked word overlap, and every change is in a verified audit log; blob, queue, timer and HTTP triggers all ran on local storage."
            : "[red]Demo failed:[/] the sample drop did not become a dataset version.");
        return ok ? 0 : 1;
    }

    /// <summary>
    /// The evaluation loop on the offline responder: the sample evaluation set, a first prompt version promoted through the
    /// gate (no champion yet: absolute bounds), then a second that cuts answers to five words, which the gate refuses
    /// against the champion. Returns the refusal's evidence.
    /// </summary>
    private static async Task<GateReport> GatePromptsAsync(LlmOpsClient services, string producedBy, Action<string, string> done, CancellationToken cancellationToken)
    {
        var lifecycle = await services.Lifecycles.GetAsync("support-answers", cancellationToken)
            ?? throw new InvalidOperationException("The sample lifecycle was not published.");
        var set = await services.EvaluationSets.PublishAsync(lifecycle, "support", EvaluationSets.ParseJsonl(ReadSample("samples/support-eval.jsonl")), "file:support-eval.jsonl@sample", cancellationToken);
        done("Publish evaluation set", $"{set.Id} ({set.Records} examples)");
        var first = await services.Registry.RegisterAsync(new RegisterRequest(Prompt, producedBy) { Feature = lifecycle.Feature, Template = PromptTemplate, Tags = new Dictionary<string, string> { ["k"] = "3" } }, cancellationToken);
        var (promoted, _) = await services.Gates.PromoteAsync(Prompt, first.Version, ModelRegistry.Champion, new EvaluationRequest(), cancellationToken: cancellationToken);
        done("Gate and promote prompt v" + first.Version, $"{promoted.Candidate} is champion (evidence {promoted.Id})");
        var terse = await services.Registry.RegisterAsync(new RegisterRequest(Prompt, producedBy) { Feature = lifecycle.Feature, Template = PromptTemplate, Tags = new Dictionary<string, string> { ["k"] = "3", ["max_output_tokens"] = "5" } }, cancellationToken);
        var report = await services.Gates.CheckAsync(terse.Id, null, new EvaluationRequest(), cancellationToken: cancellationToken);
        done("Gate check prompt v" + terse.Version, $"{(report.Passed ? "passed" : "refused")}: {string.Join("; ", report.Rows.Where(r => !r.Passed).Select(r => r.Metric))} (evidence {report.Id})");
        return report;
    }

    /// <summary>
    /// Production: the sample app <c>samples/SupportBot</c> answers 40 customer questions (and one prompt injection)
    /// through the <c>LlmOps.Client</c> middleware in front of a chat model that speaks the Azure OpenAI protocol on
    /// loopback. The champion is deployed to prod with the second version as a 25% shadow; the middleware resolves the
    /// deployed prompt, guards each call (the injection is blocked, personal data in answers redacted) and sends a span
    /// per call to the OTLP receiver; thumbs and corrections for the answers go to <c>POST /api/scores</c>; then the
    /// feature's statistics per prompt version (shadow answers left out) from the analytics Parquet with DuckDB.
    /// </summary>
    private static async Task<LlmOps.Feedback.FeedbackStats> SupportBotAsync(HttpClient http, string key, LlmOpsClient services, Action<string, string> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var champion = (await services.Registry.GetAliasAsync(Prompt, ModelRegistry.Champion, cancellationToken))!.Version;
        var latest = (await services.Registry.GetAsync(Prompt, cancellationToken))!.LatestVersion;
        var deployment = await services.Registry.DeployAsync(Prompt, champion, "prod", null, (latest, 25), "demo: the champion in prod, the newest version in its shadow", cancellationToken);
        done("Deploy with a shadow", $"{ModelRegistry.VersionId(Prompt, champion)} to prod ({deployment.Id}), {ModelRegistry.VersionId(Prompt, latest)} answering 25% of its calls in the shadow");

        var questions = EvaluationSets.ParseJsonl(ReadSample("samples/support-eval.jsonl")).Select(e => e.Input).ToList();
        var asked = Enumerable.Range(0, 40).Select(i => ($"user-{i}", questions[i % questions.Count]))
            .Append(("user-40", EvaluationSets.Probes()[0].Input)).ToList();
        await using var model = await FakeAzureOpenAIServer.StartAsync();
        var answers = await SupportBot.SupportBotApp.RunAsync(http.BaseAddress!, key, model.Endpoint, FakeAzureOpenAIServer.ApiKey, asked, cancellationToken);
        var answered = answers.Where(a => a.Answer is not null).ToList();
        var blocked = answers.Where(a => a.BlockedBy is not null).ToList();
        var scores = answered.Select((a, i) => (object)new { id = "thumbs", traceId = a.TraceId, name = "thumbs_up", value = i % 5 != 0, comment = i % 5 == 0 ? "not what I asked" : null, correction = i % 10 == 0 ? "The refund goes to the card used." : null }).ToList();
        var accepted = await PostItemsAsync(http, key, "scores", scores, cancellationToken);
        var shadows = await WaitForAsync(
            async () =>
            {
                using var query = await services.FeedbackAnalytics.OpenAsync("support-answers", since, cancellationToken);
                var rows = query.Rows($"SELECT count(*) FILTER (WHERE NOT Shadow) AS served, count(*) FILTER (WHERE Shadow) AS shadow FROM traces WHERE Time >= {LlmOps.Feedback.FeedbackQuery.Timestamp(since)}");
                return Convert.ToInt64(rows[0]["served"], System.Globalization.CultureInfo.InvariantCulture) >= answers.Count ? Convert.ToString(rows[0]["shadow"], System.Globalization.CultureInfo.InvariantCulture) : null;
            },
            timeout, "the SupportBot's traces through the OTLP receiver", cancellationToken);
        done("SupportBot (samples/SupportBot, LlmOps.Client)", $"{answered.Count} answers through UseLlmOps with {answered[0].PromptVersion}, {blocked.Count} blocked ({blocked.FirstOrDefault()?.BlockedBy}); "
            + $"{answers.Count} traces and {shadows} shadow answer(s) via OTLP; {accepted} thumbs to /api/scores");
        var stats = await services.FeedbackAnalytics.StatsAsync("support-answers", since, "prompt", cancellationToken);
        done("Feedback statistics (DuckDB over Parquet)", string.Join("; ", stats.Groups.Select(g => $"{g.Group}: {g.Requests} requests, thumbs up {g.ThumbsUpRate:P0}, p95 {g.LatencyP95:0} ms, safety flags {g.SafetyFlagRate:P0}")));
        return stats;
    }

    /// <summary>
    /// A canary on production traffic: the champion deployed to prod, the second prompt version beside it as a 10%
    /// canary, 40 answers of each posted with their deployment ids (the canary's liked 40% of the time, the stable
    /// one's 80%), and the <c>CheckCanaries</c> timer of the local host rolling the canary back. Returns the canary as decided.
    /// </summary>
    private static async Task<Deployment> CanaryAsync(HttpClient http, string key, LlmOpsClient services, Action<string, string> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if ((await services.Registry.GetTrafficAsync(Prompt, "prod", cancellationToken)).Canary is { } leftover)
        {
            // A canary an interrupted earlier demo left running.
            await services.Registry.DecideCanaryAsync(leftover, promote: false, "demo: left by an interrupted run", cancellationToken);
        }

        var champion = (await services.Registry.GetAliasAsync(Prompt, ModelRegistry.Champion, cancellationToken))!.Version;
        var latest = (await services.Registry.GetAsync(Prompt, cancellationToken))!.LatestVersion;
        var stable = await services.Registry.DeployAsync(Prompt, champion, "prod", why: "demo", cancellationToken: cancellationToken);
        var canary = await services.Registry.DeployAsync(Prompt, latest, "prod", 10, "demo", cancellationToken);
        done("Canary deployment", $"{ModelRegistry.VersionId(Prompt, latest)} takes 10% beside {ModelRegistry.VersionId(Prompt, champion)} in prod ({canary.Id})");
        var answers = Enumerable.Range(0, 80).Select(i => (Id: $"canary-demo-{canary.Id[^10..]}-{i:00}", Deployment: i < 40 ? stable : canary, Up: i < 40 ? i % 5 != 0 : i % 5 < 2)).ToList();
        var scores = answers.Select(a => (object)new { id = "thumbs", traceId = a.Id, name = "thumbs_up", value = a.Up }).ToList();
        var traces = answers.Select((a, i) => (object)new
        {
            id = a.Id,
            feature = "support-answers",
            deployment = a.Deployment.Id,
            promptVersion = ModelRegistry.VersionId(Prompt, a.Deployment.Version),
            model = "extractive",
            input = $"customer question {i}",
            output = $"answer {i}",
            latencyMs = 80 + (i * 7 % 50),
        }).ToList();
        await PostItemsAsync(http, key, "scores", scores, cancellationToken);
        await PostItemsAsync(http, key, "traces", traces, cancellationToken);

        var (decided, elsewhere) = await WaitForTimerAsync(
            services.Storage, TriggerCatalog.CheckCanaries,
            async () => await services.Registry.ListDeploymentsAsync(Prompt, cancellationToken).FirstOrDefaultAsync(d => d.Id == canary.Id && d.Status != Deployment.Canary, cancellationToken),
            () => services.Canaries.HandleAsync(new TimerTriggerInput(DateTimeOffset.UtcNow, false, null, null), cancellationToken),
            timeout, "the canary timer's decision", cancellationToken);
        var report = await services.Canaries.GetReportAsync(decided.Decision!, cancellationToken);
        var thumbs = report?.Rows.FirstOrDefault(r => r.Metric == "thumbs_up_rate");
        done("Timer trigger: canary check", $"{decided.Status}: thumbs up {thumbs?.Candidate * 100:0}% against {thumbs?.Baseline * 100:0}% (difference {thumbs?.Comparison?.Low:+0.00;-0.00} to {thumbs?.Comparison?.High:+0.00;-0.00}); evidence {decided.Decision}{elsewhere}");
        return decided;
    }

    /// <summary>Posts <paramref name="items"/> to <c>/api/{route}</c> with the function key; returns how many were accepted.</summary>
    private static async Task<int> PostItemsAsync(HttpClient http, string key, string route, List<object> items, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(new Uri($"/api/{route}?code={Uri.EscapeDataString(key)}", UriKind.Relative), items, JsonSerializerOptions.Web, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("accepted").GetInt32();
    }

    private static string ReadSample(string name)
    {
        using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The sample {name} is missing from the LlmOps.Cli assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The second sample feature: a seeded sample of the SDK's XML API documentation dropped under raw/members/, ingested
    /// by the blob trigger and embedded with MiniLM by the queue trigger; a lexical index of the same version beside it;
    /// both scored on the held-out queries (records relevant), compared per query with a 95% bootstrap interval.
    /// </summary>
    private static async Task<MetricComparison> ApiDocsAsync(StorageAccount storage, LlmOpsClient services, DateTimeOffset started, Action<string, string> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var lifecycle = await services.Lifecycles.PublishAsync(ReadSample("samples/api-docs.lifecycle.yaml"), "api-docs.lifecycle.yaml", cancellationToken);
        var set = ApiDocsQuerySet.Create(ApiDocsCorpus.Load(ApiDocsCorpus.FindReferenceDocs()), types: 80, membersPerType: 4, distractors: 120, seed: 2026);
        var name = $"{lifecycle.Sources[0].Name}/api-docs-{started:yyyyMMdd-HHmmss}.jsonl";
        var uploaded = await storage.Container(StorageNames.RawContainer).GetBlobClient(name).UploadAsync(BinaryData.FromString(set.RecordsJsonl()), overwrite: true, cancellationToken);
        var ingestion = await WaitForAsync(() => new IngestionLog(storage).GetAsync(lifecycle.Sources[0].Name, name, uploaded.Value.ETag.ToString(), cancellationToken), timeout, "the api-docs ingestion record", cancellationToken);
        var version = ingestion.VersionId ?? throw new InvalidOperationException($"The api-docs sample was not published: {ingestion.Reason}");
        var minilmId = EmbeddingIndexManifest.IdFor(version, lifecycle.Embedding.Model, lifecycle.Embedding.Dimensions);
        var minilm = await WaitForAsync(() => services.Indexes.GetAsync(minilmId, cancellationToken), timeout, "the api-docs MiniLM index", cancellationToken);
        done("api-docs: blob and queue triggers", $"{version} ({set.Records.Count} members) -> {minilm.Id}");
        var dataset = await services.Datasets.GetAsync(version, cancellationToken) ?? throw new InvalidOperationException($"{version} has no manifest.");
        var lexical = (await services.Refresher.RefreshAsync(dataset, EmbeddingSettings.Lexical, cancellationToken)).Index;
        var semantic = await services.Evaluator.ScoreAsync(set.HeldOut, minilm.Id, 10, RelevanceUnit.Record, cancellationToken);
        var words = await services.Evaluator.ScoreAsync(set.HeldOut, lexical.Id, 10, RelevanceUnit.Record, cancellationToken);
        var mrr = PairedComparison.Compare("mrr", semantic.Values("mrr"), words.Values("mrr"), passFail: false);
        done("api-docs: MiniLM against lexical", FormattableString.Invariant(
            $"held-out MRR@10 {mrr.Candidate:0.00} against {mrr.Baseline:0.00}: {mrr.Difference:+0.00;-0.00} [{mrr.Low:+0.00;-0.00}, {mrr.High:+0.00;-0.00}] over {mrr.Pairs} queries"));

        // Azure AI Search as the vector store (embedding.store: azure-ai-search): the MiniLM index mirrored to a loopback
        // server that speaks the service's REST protocol, and the held-out queries scored there as exactly.
        await using var searchService = await FakeAzureAISearchServer.StartAsync();
        var store = new AzureAISearchStore(Microsoft.Extensions.Options.Options.Create(new AzureAISearchOptions { Endpoint = searchService.Endpoint, ApiKey = FakeAzureAISearchServer.ApiKey }), transport: searchService.CreateTransport());
        var mirror = new SearchIndexMirror(services.Indexes, services.Lifecycles, store, Microsoft.Extensions.Logging.Abstractions.NullLogger<SearchIndexMirror>.Instance);
        var mirrored = await mirror.SyncAsync(minilm, rebuild: false, cancellationToken);
        using var onSearch = new SemanticSearch(services.Indexes, services.Lifecycles, services.Generators, new SearchQueryLog(storage), TimeProvider.System, mirror);
        var searched = await new RetrievalEvaluator(onSearch, services.Tracker).ScoreAsync(set.HeldOut, minilm.Id, 10, RelevanceUnit.Record, EmbeddingSettings.AzureAISearchStore, cancellationToken);
        done("api-docs: Azure AI Search store (loopback)", FormattableString.Invariant(
            $"{mirrored.Uploaded} chunks to index {mirrored.SearchIndex} in {mirrored.Requests} request(s); held-out recall@10 {searched.RecallAtK:0.00} there, {semantic.RecallAtK:0.00} exact"));
        return mrr;
    }

    /// <summary>
    /// The third sample feature: an export of 12,000 archived tickets (a few MiB, made from the sample tickets) dropped
    /// under raw/archive/, above its source's shard_mb: the blob trigger cuts it into shards, the IngestShard queue
    /// trigger runs each exactly once, and the last one commits the version.
    /// </summary>
    private static async Task<IngestionRecord> ArchiveAsync(StorageAccount storage, LlmOpsClient services, DateTimeOffset started, Action<string, string> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var lifecycle = await services.Lifecycles.PublishAsync(ReadSample("samples/ticket-archive.lifecycle.yaml"), "ticket-archive.lifecycle.yaml", cancellationToken);
        // The sample tickets that are whole records (the sample holds a malformed line on purpose), less the erased subject's.
        var tickets = ReadSample("samples/support-tickets.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parsed)
            .OfType<JsonElement>().Where(t => t.TryGetProperty("subject", out _) && t.TryGetProperty("body", out _) && t.TryGetProperty("channel", out _))
            .Where(t => !t.GetRawText().Contains(DemoSubject, StringComparison.Ordinal)).ToList(); // not the subject the demo erases next
        var export = new StringBuilder();
        for (var i = 0; i < 12_000; i++)
        {
            var ticket = tickets[i % tickets.Count];
            var body = $"{ticket.GetProperty("subject").GetString()}: {ticket.GetProperty("body").GetString()} (archived case {i}, reopened {i % 7} times, closed by agent {i % 40})";
            export.Append(JsonSerializer.Serialize(new { id = $"A-{i}", channel = ticket.GetProperty("channel").GetString(), body })).Append('\n');
        }

        var source = lifecycle.Sources[0];
        var name = $"{source.Name}/export-{started:yyyyMMdd-HHmmss}.jsonl";
        var uploaded = await storage.Container(StorageNames.RawContainer).GetBlobClient(name).UploadAsync(BinaryData.FromString(export.ToString()), overwrite: true, cancellationToken);
        var log = new IngestionLog(storage);
        var ingestion = await WaitForAsync(
            async () => await log.GetAsync(source.Name, name, uploaded.Value.ETag.ToString(), cancellationToken) is { } r && r.Status != nameof(IngestionStatus.Sharded) ? r : null,
            timeout, "the sharded ticket-archive ingestion", cancellationToken);
        var shards = (await storage.Container(StorageNames.DatasetsContainer).GetBlobClient(PartStaging.ForDrop(storage, StorageNames.RawContainer, name, uploaded.Value.ETag.ToString()).Folder + "shards/plan.json")
            .ReadAsync<LlmOps.Ingestion.Sharding.ShardedDrop>(cancellationToken))?.Count ?? 0;
        done("Sharded ingestion (shard_mb)", FormattableString.Invariant(
            $"{export.Length / 1048576d:0.0} MiB export in {shards} shards on ingest-shards -> {ingestion.VersionId ?? ingestion.Status} ({ingestion.Accepted} records, {ingestion.Quarantined} quarantined)"));
        return ingestion;

        static JsonElement? Parsed(string line)
        {
            try
            {
                return JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Waits for what a timer of the demo's host does (every second here). When another host on the same storage (a
    /// running `llmops up`) holds the timer's singleton lock, the demo's host never runs it: after a few seconds
    /// without a result and with the lock leased, the timer's handler runs here once, as that timer would, and the
    /// step says so.
    /// </summary>
    private static async Task<(T Found, string Elsewhere)> WaitForTimerAsync<T>(
        StorageAccount storage, string function, Func<Task<T?>> probe, Func<Task> runHere, TimeSpan timeout, string what, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return (await WaitForAsync(probe, TimeSpan.FromSeconds(Math.Min(10, timeout.TotalSeconds)), what, cancellationToken), "");
        }
        catch (TimeoutException)
        {
            var lockBlob = new TimerScheduleMonitor(storage).LockBlob(function);
            var leased = false;
            try
            {
                leased = (await lockBlob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.LeaseState == Azure.Storage.Blobs.Models.LeaseState.Leased;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // No host has taken the timer yet.
            }

            if (!leased)
            {
                return (await WaitForAsync(probe, timeout, what, cancellationToken), "");
            }

            await runHere();
            return (await WaitForAsync(probe, timeout, what, cancellationToken), $" (another host on this storage holds the {function} timer; its handler ran here)");
        }
    }

    /// <summary>Polls <paramref name="probe"/> until it finds something (a table that does not exist yet counts as nothing).</summary>
    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, CancellationToken cancellationToken)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await probe() is { } found)
                {
                    return found;
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Not there yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not appear within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>A webhook receiver on loopback standing in for a team's channel: it keeps the kind of every event posted.</summary>
    private sealed class DemoWebhook : IDisposable
    {
        private readonly System.Net.HttpListener _listener = new();
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _kinds = new();

        public DemoWebhook()
        {
            using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
            {
                probe.Start();
                Url = $"http://127.0.0.1:{((System.Net.IPEndPoint)probe.LocalEndpoint).Port}/hook/";
            }

            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    try
                    {
                        var context = await _listener.GetContextAsync();
                        if (context.Request.Headers["X-LlmOps-Event-Kind"] is { } kind && !_kinds.Contains(kind))
                        {
                            _kinds.Enqueue(kind);
                        }

                        context.Response.StatusCode = 200;
                        context.Response.Close();
                    }
                    catch (Exception ex) when (ex is System.Net.HttpListenerException or ObjectDisposedException or InvalidOperationException)
                    {
                        return;
                    }
                }
            });
        }

        public string Url { get; }

        /// <summary>The event kinds received so far, in order, each once.</summary>
        public IReadOnlyList<string> Kinds => [.. _kinds];

        /// <summary>The notify and budgets sections the demo adds to the sample lifecycle.</summary>
        public string LifecycleSections => $$"""

            notify:
              channels:
                demo: { webhook: "{{Url}}", format: json }
              events:
                gate_refused: [demo]
                canary_rolled_back: [demo]
                budget_breached: [demo]
            budgets:
              tokens_per_day: 1000
            """;

        public void Dispose() => _listener.Close();
    }
}
