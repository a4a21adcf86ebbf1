namespace LlmOps.Telemetry;

/// <summary>
/// Where the hosts send their telemetry (section <c>LlmOps:Telemetry</c>). Nothing set: no exporter runs, and the
/// instrumentation costs a branch per span or metric point. The standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (with the
/// other <c>OTEL_*</c> variables) turns OTLP on as well; in Azure, <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> turns on
/// Azure Monitor in the Functions app.
/// </summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "LlmOps:Telemetry";

    /// <summary>An OTLP/HTTP (protobuf) collector's base address, e.g. http://localhost:4318; /v1/traces and /v1/metrics are added.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Print spans and metrics on the console (<c>llmops up -v</c>).</summary>
    public bool Console { get; set; }

    /// <summary>How often metrics are exported.</summary>
    public TimeSpan MetricInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The OTLP endpoint given by the standard environment variable, if any.</summary>
    public static string? StandardOtlpEndpoint => Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } endpoint ? endpoint : null;

    public bool AnyExporter => OtlpEndpoint is not null || Console || StandardOtlpEndpoint is not null;
}
