using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LlmOps.Telemetry;

// Compiled into both hosts (functions/LlmOps.LocalHost and functions/LlmOps.Functions): the core library emits through
// System.Diagnostics alone (ActivitySource, Meter), so a notebook that loads it carries no exporter.

/// <summary>Turns on OpenTelemetry for a host: every LlmOps source and the LlmOps meter, to the exporters configured.</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Registers the tracer and meter providers when an exporter is configured (<see cref="TelemetryOptions"/>) or
    /// <paramref name="force"/> is set (the caller adds one of its own in <paramref name="configure"/>, such as Azure
    /// Monitor); returns false, registering nothing, otherwise.
    /// </summary>
    public static bool AddLlmOpsTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName, bool force = false, Action<IOpenTelemetryBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.AnyExporter && !force)
        {
            return false;
        }

        var version = typeof(LlmOpsTelemetry).Assembly.GetName().Version?.ToString(3);
        var builder = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceVersion: version, serviceInstanceId: Environment.MachineName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(LlmOpsTelemetry.SourceNames);
                if (options.OtlpEndpoint is { } endpoint)
                {
                    tracing.AddOtlpExporter(o => Http(o, endpoint, "v1/traces"));
                }
                else if (TelemetryOptions.StandardOtlpEndpoint is not null)
                {
                    tracing.AddOtlpExporter();
                }

                if (options.Console)
                {
                    tracing.AddConsoleExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(LlmOpsTelemetry.MeterName);
                if (options.OtlpEndpoint is { } endpoint)
                {
                    metrics.AddOtlpExporter((o, reader) =>
                    {
                        Http(o, endpoint, "v1/metrics");
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.MetricInterval.TotalMilliseconds;
                    });
                }
                else if (TelemetryOptions.StandardOtlpEndpoint is not null)
                {
                    metrics.AddOtlpExporter();
                }

                if (options.Console)
                {
                    metrics.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.MetricInterval.TotalMilliseconds);
                }
            });
        configure?.Invoke(builder);
        return true;
    }

    private static void Http(OtlpExporterOptions options, Uri endpoint, string path)
    {
        options.Protocol = OtlpExportProtocol.HttpProtobuf;
        options.Endpoint = new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + path);
    }
}


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
