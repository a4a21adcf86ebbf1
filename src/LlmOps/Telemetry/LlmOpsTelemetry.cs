using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LlmOps.Telemetry;

/// <summary>
/// What LlmOps emits for OpenTelemetry: one <see cref="ActivitySource"/> per capability (the invocation spans under
/// <see cref="Functions"/>, the steps of each handler under its capability's source) and one <see cref="Meter"/>. With no
/// listener (telemetry off) a span is never created and a metric point is dropped at once, so the cost is a branch.
/// </summary>
public static class LlmOpsTelemetry
{
    /// <summary>Every source's name starts with this: <c>AddSource("LlmOps.*")</c> listens to all of them.</summary>
    public const string SourceNames = "LlmOps.*";

    public const string MeterName = "LlmOps";

    private static readonly string Version = typeof(LlmOpsTelemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>One span per function invocation, in either host.</summary>
    public static readonly ActivitySource Functions = new("LlmOps.Functions", Version);

    public static readonly ActivitySource Ingestion = new("LlmOps.Ingestion", Version);

    public static readonly ActivitySource Embeddings = new("LlmOps.Embeddings", Version);

    public static readonly ActivitySource Drift = new("LlmOps.Drift", Version);

    public static readonly ActivitySource Feedback = new("LlmOps.Feedback", Version);

    public static readonly ActivitySource Labeling = new("LlmOps.Labeling", Version);

    public static readonly ActivitySource Evaluation = new("LlmOps.Evaluation", Version);

    public static readonly Meter Meter = new(MeterName, Version);

    private static readonly IReadOnlyList<double> SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    public static readonly Counter<long> Invocations = Meter.CreateCounter<long>(
        "llmops.function.invocations", "{invocation}", "Function invocations by function, trigger and outcome (succeeded, failed, dead_lettered, cancelled).");

    public static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "llmops.function.failures", "{invocation}", "Function invocations that threw or dead-lettered their input.");

    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "llmops.function.duration", "s", "How long each function invocation ran.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    public static readonly Histogram<double> BlobTriggerLag = Meter.CreateHistogram<double>(
        "llmops.blob.trigger_lag", "s", "From a blob's last write to the start of the invocation it triggered.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    public static readonly Gauge<long> QueueBacklog = Meter.CreateGauge<long>(
        "llmops.queue.backlog", "{message}", "Messages waiting on a trigger queue or its poison queue (approximate, as the queue reports it).");

    public static readonly Gauge<double> QueueOldestAge = Meter.CreateGauge<double>(
        "llmops.queue.oldest_message_age", "s", "Age of the oldest visible message on a trigger queue.");

    public static readonly Counter<long> PoisonMessages = Meter.CreateCounter<long>(
        "llmops.poison.messages", "{message}", "Messages and blob versions put on a poison queue.");

    public static readonly Gauge<long> PoisonBacklog = Meter.CreateGauge<long>(
        "llmops.poison.backlog", "{message}", "Inputs of a function waiting on a poison queue (replay or discard them with llmops poison).");

    public static readonly Counter<long> NotificationEvents = Meter.CreateCounter<long>(
        "llmops.notification.events", "{event}", "Events raised for people (drift alerts, canary decisions, refused gates, budget breaches...), by kind.");

    public static readonly Counter<long> EtlRecords = Meter.CreateCounter<long>(
        "llmops.etl.records", "{record}", "Records ingested, by source and status (accepted, quarantined).");

    public static readonly Counter<long> EtlBytes = Meter.CreateCounter<long>(
        "llmops.etl.bytes", "By", "Bytes of drops read by the ETL, by source.");

    public static readonly Histogram<double> EtlThroughput = Meter.CreateHistogram<double>(
        "llmops.etl.throughput", "By/s", "Bytes per second of each drop's ETL, by source.");

    public static readonly Counter<long> EmbeddingCalls = Meter.CreateCounter<long>(
        "llmops.embedding.calls", "{call}", "Calls to the embedding model, by provider.");

    public static readonly Counter<long> EmbeddingTokens = Meter.CreateCounter<long>(
        "llmops.embedding.tokens", "{token}", "Input tokens sent to the embedding model, by provider.");

    /// <summary>Records a caught failure on a span in the OpenTelemetry shape (status error and an exception event).</summary>
    public static void RecordError(this Activity? activity, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.AddException(exception);
    }
}
