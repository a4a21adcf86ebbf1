using LlmOps.Datasets;
using LlmOps.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost;

/// <summary>
/// The local counterpart of the storage account's lifecycle rule delete-staged-parts (Bicep): at start and then every
/// <see cref="LocalHostOptions.StagedPartsSweepInterval"/>, deletes dataset parts staged longer ago than
/// <see cref="LocalHostOptions.StagedPartsExpiry"/>. A storage fault is logged, and the next sweep tries again.
/// </summary>
public sealed class StagedPartsExpiryService(StorageAccount storage, LocalHostOptions options, TimeProvider clock, ILogger<StagedPartsExpiryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                var deleted = await PartStaging.DeleteExpiredAsync(storage, clock.GetUtcNow(), options.StagedPartsExpiry, stoppingToken);
                if (deleted > 0)
                {
                    logger.LogInformation("Deleted {Count} staged dataset part(s) older than {Expiry}", deleted, options.StagedPartsExpiry);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Looking for expired staged dataset parts failed; trying again in {Interval}", options.StagedPartsSweepInterval);
            }

            try
            {
                await Task.Delay(options.StagedPartsSweepInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
