using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LlmOps.Telemetry;

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
