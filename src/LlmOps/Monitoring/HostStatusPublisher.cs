using System.Diagnostics;
using System.Text.Json;
using Azure;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LlmOps.Monitoring;

/// <summary>
/// Publishes this process's <see cref="HostStatus"/> every interval, and once more when it stops, so
/// `llmops status` (which reads storage, wherever it runs) sees listener states, pending inputs and each function's last
/// success and failure. A storage fault skips a beat; it never stops the host.
/// </summary>
public sealed class HostStatusPublisher(StorageAccount storage, IServiceProvider services, TimeProvider clock, string host, TimeSpan interval) : BackgroundService
{
    /// <summary>The configuration key of how often the status is written (default 15 s).</summary>
    public const string IntervalSetting = "LlmOps:Host:StatusInterval";

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(15);

    /// <summary>`llmops status` counts a host whose status is older than this as gone.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(2);

    /// <summary>The status of a process gone this long (it crashed or was killed) is deleted by the next host that publishes.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromDays(1);

    /// <summary>Registers the publisher for a host (<c>local-host</c> or <c>worker</c>).</summary>
    public static void Register(IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration, string host)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var interval = TimeSpan.TryParse(configuration[IntervalSetting], System.Globalization.CultureInfo.InvariantCulture, out var configured) && configured > TimeSpan.Zero ? configured : DefaultInterval;
        services.AddHostedService(sp => new HostStatusPublisher(sp.GetRequiredService<StorageAccount>(), sp, sp.GetRequiredService<TimeProvider>(), host, interval));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ForgetGoneHostsAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            await PublishAsync(stoppingToken);
            try
            {
                await Task.Delay(interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await PublishAsync(CancellationToken.None);
    }

    /// <summary>Deletes the status of processes that have not published for <see cref="ForgetAfter"/> (once, at start).</summary>
    internal async Task ForgetGoneHostsAsync(CancellationToken cancellationToken)
    {
        var container = storage.Container(StorageNames.HostContainer);
        try
        {
            await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = HostStatus.Folder }, cancellationToken))
            {
                if (blob.Properties.LastModified is { } written && clock.GetUtcNow() - written > ForgetAfter)
                {
                    await container.GetBlobClient(blob.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException)
        {
            Activity.Current?.AddEvent(new ActivityEvent("gone hosts not forgotten", tags: new ActivityTagsCollection { ["error"] = ex.Message }));
        }
    }

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        var states = services.GetService<ListenerStates>();
        var status = new HostStatus(host, Environment.MachineName, Environment.ProcessId, clock.GetUtcNow(),
            states?.Snapshot() ?? [], states?.Pending() ?? new Dictionary<string, int>(), InvocationLedger.Shared.Snapshot());
        try
        {
            await storage.Container(StorageNames.HostContainer).GetBlobClient(status.BlobName)
                .UploadAsync(BinaryData.FromObjectAsJson(status, JsonSerializerOptions.Web), overwrite: true, cancellationToken);
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or OperationCanceledException)
        {
            Activity.Current?.AddEvent(new ActivityEvent("host status not published", tags: new ActivityTagsCollection { ["error"] = ex.Message }));
        }
    }
}
