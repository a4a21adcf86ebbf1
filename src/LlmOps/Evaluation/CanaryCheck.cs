using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Feedback;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Registry;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;
using LlmOps.Telemetry;
using LlmOps.Notifications;

namespace LlmOps.Evaluation;

/// <summary>
/// Canary checks (the <c>CheckCanaries</c> timer, and <c>llmops registry canary</c>): for a name with a canary
/// deployment, the production traces of the canary and of the stable deployment since the canary started (within
/// the lifecycle's drift window, when it sets one) are compared on thumbs-up rate, error rate, latency p95 and cost
/// per request with the lifecycle's <c>gates.canary</c> (defaults when it has none): a bootstrap interval of each
/// difference (each side resampled on its own, seeded), a shortfall only when the whole interval is short of the bar.
/// Any shortfall rolls the canary back; every gate met with enough requests on both sides promotes it; otherwise the
/// check waits. A decision is stored as a report (JSON and markdown) and in lineage: both deployments -> the decision
/// -> the canary, promoted or rolled back.
/// </summary>
public sealed class CanaryCheck(
    ModelRegistry registry, LifecycleCatalog lifecycles, FeedbackAnalytics analytics, LineageStore lineage, StorageAccount storage, TimeProvider clock, ILogger<CanaryCheck> logger)
    : ITimerTriggerHandler
{
    public const string ReportsFolder = "canaries/";
    public const int DefaultMinRequests = 30;
    public const int Resamples = 2_000;

    /// <summary>Without <c>gates.canary</c>: thumbs-up and error rate no worse, latency p95 and cost per request at most 20% worse.</summary>
    public static IReadOnlyList<ReleaseGate> DefaultGates { get; } =
    [
        new("thumbs_up_rate", null, null, MinAbsoluteChange: 0),
        new("error_rate", null, null, MinAbsoluteChange: 0),
        new("latency_p95", null, null, MinRelativeChange: -0.2),
        new("cost_per_request", null, null, MinRelativeChange: -0.2),
    ];

    public async Task HandleAsync(TimerTriggerInput tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        var checkedCount = 0;
        await foreach (var item in registry.ListAsync(cancellationToken))
        {
            var environments = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var deployment in registry.ListDeploymentsAsync(item.Name, cancellationToken))
            {
                if (deployment.Status == Deployment.Canary)
                {
                    environments.Add(deployment.Environment);
                }
            }

            foreach (var environment in environments)
            {
                try
                {
                    var report = await CheckAsync(item.Name, environment, act: true, cancellationToken);
                    checkedCount++;
                    logger.LogInformation("Canary {Canary} of {Name} in {Environment}: {Decision}", report?.Canary, item.Name, environment, report?.Decision);
                }
                catch (LlmOpsException ex) when (ex.Code is ErrorCode.NotFound or ErrorCode.Invalid or ErrorCode.Conflict)
                {
                    // One name's misconfiguration (no lifecycle, a bad gate) must not stop the checks of the others.
                    logger.LogWarning("Canary check of {Name} in {Environment} skipped: {Reason}", item.Name, environment, ex.Message);
                }
            }
        }

        logger.LogInformation("Checked {Count} canary deployment(s)", checkedCount);
    }

    /// <summary>
    /// Checks the canary of <paramref name="name"/> in <paramref name="environment"/> (null when none runs) and, when
    /// <paramref name="act"/>, carries out and records a promote or roll-back decision.
    /// </summary>
    public async Task<CanaryReport?> CheckAsync(string name, string environment, bool act = true, CancellationToken cancellationToken = default)
    {
        using var span = LlmOpsTelemetry.Evaluation.StartActivity("canary check " + name);
        span?.SetTag("llmops.deployment.environment", environment);
        var traffic = await registry.GetTrafficAsync(name, environment, cancellationToken);
        if (traffic is not { Canary: { } canary, Stable: { } stable })
        {
            return null;
        }

        var (feature, lifecycle) = await FeatureOfAsync(traffic.Name, cancellationToken);
        var now = clock.GetUtcNow();
        var since = lifecycle.Drift.CurrentWindow is { } window && now - window > canary.DeployedAt ? now - window : canary.DeployedAt;
        var gates = lifecycle.CanaryGates.Count > 0 ? lifecycle.CanaryGates : DefaultGates;
        var (canarySamples, stableSamples) = await SamplesAsync(feature, since, canary.Id, stable.Id, cancellationToken);

        var rows = new List<GateRow>();
        var waiting = new List<string>();
        foreach (var gate in gates)
        {
            var greater = GreaterIsBetter(gate);
            var (a, b) = (canarySamples.Of(gate.Metric), stableSamples.Of(gate.Metric));
            var minimum = gate.MinRequests ?? DefaultMinRequests;
            if (a.Count < minimum || b.Count < minimum)
            {
                waiting.Add($"{gate.Metric}: {a.Count} canary and {b.Count} stable observation(s), {minimum} needed on each side");
                rows.Add(new GateRow(gate.Metric, a.Count == 0 ? null : Statistic(gate.Metric)([.. a]), b.Count == 0 ? null : Statistic(gate.Metric)([.. b]), null, greater, ComparisonGate.Requirement(gate, greater), true, null));
                continue;
            }

            var comparison = PairedComparison.CompareIndependent(gate.Metric, a, b, Statistic(gate.Metric), Resamples, PairedComparison.DefaultSeed);
            rows.Add(ComparisonGate.Row(gate.Metric, gate, greater, comparison.Candidate, comparison.Baseline, comparison, hasBaseline: true));
        }

        var decision = rows.Any(r => !r.Passed) ? CanaryReport.RollBack : waiting.Count > 0 ? CanaryReport.Wait : CanaryReport.Promote;
        var report = new CanaryReport(
            $"canary:{environment}/{Ulid.NewUlid(now)}", traffic.Name, feature, environment,
            canary.Id, ModelRegistry.VersionId(traffic.Name, canary.Version), canary.CanaryPercent ?? 0,
            stable.Id, ModelRegistry.VersionId(traffic.Name, stable.Version), since,
            canarySamples.Requests, stableSamples.Requests, 0.95, rows, waiting, decision, now);
        if (act && decision != CanaryReport.Wait)
        {
            await RecordAsync(report, canary, cancellationToken);
        }

        return report;
    }

    /// <summary>
    /// Compares the shadow version of <paramref name="name"/>'s stable deployment in <paramref name="environment"/> with
    /// the version that answered, on the same requests: every shadow trace (<c>llmops.shadow</c>) paired with the trace
    /// it shadowed since the deployment, on the lifecycle's <c>gates.canary</c> (defaults without it): error rate and
    /// cost per request as paired differences with a bootstrap interval, latency p95 as the two p95s of the same requests.
    /// Null when the deployment names no shadow. Nothing is changed: a shadow is promoted by deploying it.
    /// </summary>
    public async Task<ShadowReport?> CompareShadowAsync(string name, string environment, CancellationToken cancellationToken = default)
    {
        var traffic = await registry.GetTrafficAsync(name, environment, cancellationToken);
        if (traffic.Stable is not { ShadowVersion: { } shadowVersion } stable)
        {
            return null;
        }

        var (feature, lifecycle) = await FeatureOfAsync(traffic.Name, cancellationToken);
        using var query = await analytics.OpenAsync(feature, stable.DeployedAt, cancellationToken);
        var pairs = query.Rows($"""
            SELECT CASE WHEN s.Status = 'error' THEN 1.0 ELSE 0.0 END AS shadow_error, CASE WHEN t.Status = 'error' THEN 1.0 ELSE 0.0 END AS served_error,
                   s.LatencyMs AS shadow_latency, t.LatencyMs AS served_latency, s.CostUsd AS shadow_cost, t.CostUsd AS served_cost
            FROM traces s JOIN traces t ON t.Id = s.ShadowOf
            WHERE s.Shadow AND t.Deployment = {FeedbackQuery.Literal(stable.Id)} AND s.Time >= {FeedbackQuery.Timestamp(stable.DeployedAt)}
            """);
        var rows = new List<GateRow>();
        var waiting = new List<string>();
        var notObservable = new List<string>();
        foreach (var gate in lifecycle.CanaryGates.Count > 0 ? lifecycle.CanaryGates : DefaultGates)
        {
            var greater = GreaterIsBetter(gate);
            var (shadowColumn, servedColumn) = gate.Metric switch
            {
                "error_rate" => ("shadow_error", "served_error"),
                "latency_p95" => ("shadow_latency", "served_latency"),
                "cost_per_request" => ("shadow_cost", "served_cost"),
                _ => (null, null),
            };
            if (shadowColumn is null)
            {
                notObservable.Add($"{gate.Metric}: not observed on shadow answers (users never see them)");
                continue;
            }

            var paired = pairs.Where(p => p[shadowColumn] is not null && p[servedColumn!] is not null)
                .Select(p => (Shadow: Convert.ToDouble(p[shadowColumn], CultureInfo.InvariantCulture), Served: Convert.ToDouble(p[servedColumn!], CultureInfo.InvariantCulture))).ToList();
            var minimum = gate.MinRequests ?? DefaultMinRequests;
            if (paired.Count < minimum)
            {
                waiting.Add($"{gate.Metric}: {paired.Count} pair(s), {minimum} needed");
                rows.Add(new GateRow(gate.Metric, null, null, null, greater, ComparisonGate.Requirement(gate, greater), true, null));
                continue;
            }

            double[] shadow = [.. paired.Select(p => p.Shadow)], served = [.. paired.Select(p => p.Served)];
            var comparison = gate.Metric == "latency_p95"
                ? PairedComparison.CompareIndependent(gate.Metric, shadow, served, Statistic(gate.Metric), Resamples, PairedComparison.DefaultSeed)
                : PairedComparison.Compare(gate.Metric, shadow, served, passFail: gate.Metric == "error_rate", Resamples, PairedComparison.DefaultSeed);
            rows.Add(ComparisonGate.Row(gate.Metric, gate, greater, comparison.Candidate, comparison.Baseline, comparison, hasBaseline: true));
        }

        var verdict = rows.Any(r => !r.Passed) ? ShadowReport.FallsShort : waiting.Count > 0 || rows.Count == 0 ? ShadowReport.Wait : ShadowReport.Meets;
        return new ShadowReport(
            traffic.Name, feature, environment, stable.Id, ModelRegistry.VersionId(traffic.Name, stable.Version), ModelRegistry.VersionId(traffic.Name, shadowVersion),
            stable.ShadowPercent ?? 0, stable.DeployedAt, pairs.Count, rows, [.. waiting, .. notObservable], verdict);
    }

    /// <summary>The feature whose production traces answer for <paramref name="name"/>, and its lifecycle.</summary>
    private async Task<(string Feature, LifecycleDefinition Lifecycle)> FeatureOfAsync(string name, CancellationToken cancellationToken)
    {
        var item = await registry.GetAsync(name, cancellationToken) ?? throw LlmOpsException.NotFound($"{name} is not registered.");
        var feature = item.Feature is { Length: > 0 } f ? f
            : throw LlmOpsException.Invalid($"{name} names no feature, so its production traces cannot be found (register it with --feature).");
        var lifecycle = await lifecycles.GetAsync(feature, cancellationToken)
            ?? throw LlmOpsException.NotFound($"Feature '{feature}' of {name} has no published lifecycle.");
        return (feature, lifecycle);
    }

    /// <summary>The gate's direction: as it says, else higher is better for the thumbs-up rate and lower for the rest.</summary>
    public static bool GreaterIsBetter(ReleaseGate gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        return gate.GreaterIsBetter ?? gate.Metric == "thumbs_up_rate";
    }

    /// <summary>A stored decision's report, or null.</summary>
    public async Task<CanaryReport?> GetReportAsync(string id, CancellationToken cancellationToken = default) =>
        await storage.Container(StorageNames.ReportsContainer).GetBlobClient(ReportPath(id) + ".json").ReadAsync<CanaryReport>(cancellationToken);

    public static string ReportPath(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.StartsWith("canary:", StringComparison.Ordinal)
            ? ReportsFolder + id["canary:".Length..]
            : throw LlmOpsException.Invalid($"'{id}' is not a canary decision id (canary:<environment>/<ulid>).");
    }

    /// <summary>The report as markdown: the decision, both deployments, one row per metric with the interval.</summary>
    public static string Markdown(CanaryReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        var verdict = report.Decision switch { CanaryReport.Promote => "✅ promoted", CanaryReport.RollBack => "❌ rolled back", _ => "⏳ waiting for traffic" };
        text.Append(CultureInfo.InvariantCulture, $"### LlmOps canary: {verdict}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"`{report.CanaryVersion}` ({report.Canary}, {report.CanaryPercent}% of traffic, {report.CanaryRequests} requests) against `{report.StableVersion}` ({report.Stable}, {report.StableRequests} requests) in {report.Environment} since {report.Since:u}; decision `{report.Id}`.\n\n");
        text.Append(CultureInfo.InvariantCulture, $"| metric | canary | stable | difference ({report.Confidence:P0} interval) | gate | result |\n|---|---:|---:|---|---|---|\n");
        foreach (var row in report.Rows)
        {
            var c = row.Comparison;
            var waiting = report.WaitingFor(row.Metric);
            text.Append(CultureInfo.InvariantCulture, $"| {row.Metric}{(row.GreaterIsBetter ? "" : " (lower is better)")} | {F(row.Candidate)} | {F(row.Baseline)} | ")
                .Append(c is null ? "" : $"{F(c.Difference)} ({F(c.Low)} to {F(c.High)})")
                .Append(CultureInfo.InvariantCulture, $" | {row.Requirement} | {(waiting is not null ? "waiting: " + waiting : row.Passed ? "pass" : "**refused**: " + row.Failure)} |\n");
        }

        return text.ToString();
    }

    private static Func<double[], double> Statistic(string metric) => metric switch
    {
        "latency_p95" => values => PairedComparison.Quantile(values, 0.95),
        _ => values => values.Average(),
    };

    private static string F(double? value) => value is { } v ? v.ToString("0.####", CultureInfo.InvariantCulture) : "";

    private async Task<(Samples Canary, Samples Stable)> SamplesAsync(string feature, DateTimeOffset since, string canary, string stable, CancellationToken cancellationToken)
    {
        using var query = await analytics.OpenAsync(feature, since, cancellationToken);
        var rows = query.Rows($"""
            WITH s AS ({FeedbackAnalytics.PerTraceScores})
            SELECT t.Deployment AS deployment, s.thumbs AS thumbs, CASE WHEN t.Status = 'error' THEN 1.0 ELSE 0.0 END AS error,
                   t.LatencyMs AS latency, t.CostUsd AS cost
            FROM answers t LEFT JOIN s ON s.TraceId = t.Id
            WHERE t.Time >= {FeedbackQuery.Timestamp(since)} AND t.Deployment IN ({FeedbackQuery.Literal(canary)}, {FeedbackQuery.Literal(stable)})
            """);
        Samples canarySamples = new(), stableSamples = new();
        foreach (var row in rows)
        {
            var samples = (string?)row["deployment"] == canary ? canarySamples : stableSamples;
            samples.Requests++;
            samples.Add("thumbs_up_rate", row["thumbs"]);
            samples.Add("error_rate", row["error"]);
            samples.Add("latency_p95", row["latency"]);
            samples.Add("cost_per_request", row["cost"]);
        }

        return (canarySamples, stableSamples);
    }

    private async Task RecordAsync(CanaryReport report, Deployment canary, CancellationToken cancellationToken)
    {
        var promote = report.Decision == CanaryReport.Promote;
        var reports = storage.Container(StorageNames.ReportsContainer);
        var path = ReportPath(report.Id);
        await reports.GetBlobClient(path + ".json").UploadAsync(BinaryData.FromObjectAsJson(report, JsonSerializerOptions.Web), cancellationToken);
        await reports.GetBlobClient(path + ".md").UploadAsync(BinaryData.FromString(Markdown(report)), cancellationToken);
        var failures = string.Join("; ", report.Failures);
        // Before the decision is applied: a check that stops after it would find the canary decided and say nothing.
        await new NotificationOutbox(storage, lifecycles, clock).RaiseAsync(
            new NotificationEvent(
                report.Id,
                promote ? NotificationKinds.CanaryPromoted : NotificationKinds.CanaryRolledBack,
                report.Feature,
                $"Canary {report.Canary} {(promote ? "promoted" : "rolled back")} ({report.Environment})",
                promote
                    ? $"{report.CanaryVersion} met every canary gate against {report.StableVersion} and now takes all traffic."
                    : $"{report.CanaryVersion} failed against {report.StableVersion}: {failures}",
                $"{StorageNames.ReportsContainer}/{path}.md",
                clock.GetUtcNow()),
            cancellationToken);
        await lineage.RecordAsync(
            new LineageEvent($"llmops.canary/{report.Name}", LineageIds.StableRunId(report.Id), LineageRelation.Decided,
                [new LineageDataset(report.Canary), new LineageDataset(report.Stable)],
                [new LineageDataset(report.Id, new Dictionary<string, string>
                {
                    ["decision"] = report.Decision,
                    ["canary"] = report.CanaryVersion,
                    ["stable"] = report.StableVersion,
                    ["requests"] = $"{report.CanaryRequests.ToString(CultureInfo.InvariantCulture)} canary, {report.StableRequests.ToString(CultureInfo.InvariantCulture)} stable",
                    ["failures"] = failures.Length <= 2000 ? failures : failures[..2000],
                    ["report"] = $"{StorageNames.ReportsContainer}/{path}.json",
                })]),
            cancellationToken);
        await registry.DecideCanaryAsync(canary, promote, report.Id, cancellationToken);
        await lineage.RecordAsync(
            new LineageEvent($"llmops.canary/{report.Name}", LineageIds.StableRunId(report.Id + "|" + report.Decision), promote ? LineageRelation.Promoted : LineageRelation.RolledBack,
                [new LineageDataset(report.Id)],
                [new LineageDataset(report.Canary, new Dictionary<string, string> { ["status"] = promote ? Deployment.Promoted : Deployment.RolledBack })]),
            cancellationToken);
    }

    /// <summary>One deployment's observations per metric (a trace without thumbs, latency or cost adds none to that metric).</summary>
    private sealed class Samples
    {
        private readonly Dictionary<string, List<double>> _values = new(StringComparer.Ordinal);

        public long Requests { get; set; }

        public void Add(string metric, object? value)
        {
            if (value is not null)
            {
                Of(metric).Add(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            }
        }

        public List<double> Of(string metric)
        {
            if (!_values.TryGetValue(metric, out var list))
            {
                _values[metric] = list = [];
            }

            return list;
        }
    }
}
