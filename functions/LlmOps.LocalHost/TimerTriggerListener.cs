using System.Text.RegularExpressions;
using Azure;
using Cronos;
using LlmOps.Monitoring;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost;

/// <summary>
/// A timer trigger: six-field NCRONTAB schedule (Cronos), run as a singleton under a blob lease across all host
/// instances, with a schedule monitor so an occurrence missed while no host was up runs once at start (IsPastDue).
/// </summary>
public sealed partial class TimerTriggerListener : TriggerListener
{
    private readonly TimerScheduleMonitor _monitor;
    private readonly LocalHostOptions _options;
    private readonly HostDiagnostics _diagnostics;
    private readonly TimeProvider _clock;

    public TimerTriggerListener(
        FunctionDefinition function,
        IServiceProvider services,
        IConfiguration configuration,
        TimerScheduleMonitor monitor,
        LocalHostOptions options,
        HostDiagnostics diagnostics,
        TimeProvider clock,
        ILogger<TimerTriggerListener> logger)
        : base(function, services, options.ShutdownTimeout, logger)
    {
        _monitor = monitor;
        _options = options;
        _diagnostics = diagnostics;
        _clock = clock;
        Schedule = ParseSchedule(function, configuration);
    }

    public CronExpression Schedule { get; }

    /// <summary>Parses a six-field schedule, resolving <c>%Setting%</c> from configuration as the Functions host does.</summary>
    public static CronExpression ParseSchedule(FunctionDefinition function, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(configuration);
        var text = function.Target;
        var setting = SettingReference().Match(text);
        if (setting.Success)
        {
            text = configuration[setting.Groups[1].Value]
                ?? throw new InvalidOperationException($"Timer {function.Name}: its schedule comes from the setting '{setting.Groups[1].Value}', which is not set.");
        }

        try
        {
            return CronExpression.Parse(text, CronFormat.IncludeSeconds);
        }
        catch (CronFormatException ex)
        {
            throw new InvalidOperationException(
                $"Timer {function.Name}: '{text}' is not a six-field NCRONTAB schedule ({{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}): {ex.Message}", ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lockBlob = _monitor.LockBlob(Function.Name);

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The lock blob may exist (or be leased) already: either is fine.
                await lockBlob.TryCreateAsync(BinaryData.Empty, cancellationToken: stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            BlobLeaseKeeper? lease;
            try
            {
                _diagnostics.Increment(HostDiagnostics.TimerLockAttempts, Function.Name);
                lease = await BlobLeaseKeeper.TryAcquireAsync(lockBlob, _options.LeaseDuration, Logger, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is RequestFailedException or HttpRequestException)
            {
                Logger.LogWarning(ex, "Taking the {Function} timer lock failed; retrying", Function.Name);
                lease = null;
            }

            if (lease is null)
            {
                if (!await DelayAsync(_options.TimerLockRetryInterval, stoppingToken))
                {
                    break;
                }

                continue;
            }

            await using (lease)
            {
                _diagnostics.Increment(HostDiagnostics.TimerLockHeld, Function.Name);
                Logger.LogInformation("This host runs timer {Function} ({Schedule})", Function.Name, Schedule);
                using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
                try
                {
                    await RunScheduleAsync(held.Token);
                }
                catch (OperationCanceledException) when (held.IsCancellationRequested)
                {
                    // Stopping, or the lease was lost: another host may run the timer now.
                }
                catch (Exception ex) when (ex is RequestFailedException or HttpRequestException)
                {
                    Logger.LogWarning(ex, "Storage fault in timer {Function}; taking the lock again", Function.Name);
                }
            }
        }
    }

    private async Task RunScheduleAsync(CancellationToken cancellationToken)
    {
        var status = await _monitor.GetStatusAsync(Function.Name, cancellationToken);
        var now = _clock.GetUtcNow();
        var schedule = Schedule.ToString();
        if (status is null || (status.Schedule is not null && status.Schedule != schedule))
        {
            // First run, or the schedule changed: the next occurrence is the new schedule's, nothing was missed.
            status = new TimerScheduleStatus(status?.Last ?? DateTimeOffset.MinValue, NextAfter(now), now, schedule);
            await _monitor.SetStatusAsync(Function.Name, status, cancellationToken);
        }
        else if (status.Next <= now)
        {
            Logger.LogInformation("Timer {Function} missed {Due} while no host ran it; running it now", Function.Name, status.Next);
            status = await RunOnceAsync(status.Next, isPastDue: true, status, cancellationToken);
        }

        while (true)
        {
            var due = status.Next;
            var wait = due - _clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _clock, cancellationToken);
            }

            status = await RunOnceAsync(due, isPastDue: false, status, cancellationToken);
        }
    }

    private async Task<TimerScheduleStatus> RunOnceAsync(DateTimeOffset scheduled, bool isPastDue, TimerScheduleStatus previous, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var next = NextAfter(now > scheduled ? now : scheduled);
        var tick = new TimerTriggerInput(scheduled, isPastDue, previous.Last == DateTimeOffset.MinValue ? null : previous.Last, next);
        _diagnostics.Increment(HostDiagnostics.TimerRuns, Function.Name);
        using (var invocation = StartInvocation(scheduled.ToString("O", System.Globalization.CultureInfo.InvariantCulture), 1))
        {
            try
            {
                using var handlerToken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, HandlerStopping);
                if (Worker is null)
                {
                    await InvokeAsync<ITimerTriggerHandler>((h, ct) => h.HandleAsync(tick, ct), handlerToken.Token);
                }
                else
                {
                    await Worker.InvokeTimerAsync(Function, tick, handlerToken.Token);
                }

                invocation.Succeeded();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A timer is not retried (as in Azure): the failure is logged and the schedule goes on.
                invocation.Failed(ex);
                Logger.LogError(ex, "Timer {Function} failed for {Scheduled}", Function.Name, scheduled);
            }
        }

        var status = new TimerScheduleStatus(scheduled, next, _clock.GetUtcNow(), Schedule.ToString());
        await _monitor.SetStatusAsync(Function.Name, status, CancellationToken.None);
        return status;
    }

    private DateTimeOffset NextAfter(DateTimeOffset instant) =>
        Schedule.GetNextOccurrence(instant, TimeZoneInfo.Utc)
        ?? throw new InvalidOperationException($"Timer {Function.Name}: the schedule {Schedule} has no occurrence after {instant:O}.");

    [GeneratedRegex(@"^%([^%]+)%$")]
    private static partial Regex SettingReference();
}
