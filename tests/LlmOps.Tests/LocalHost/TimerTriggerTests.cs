using LlmOps.LocalHost;
using LlmOps.Monitoring;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Tests.LocalHost;

public sealed class TimerTriggerTests
{
    // Once a year on 1 January: never due during a test unless the monitor says a run was missed.
    private const string Yearly = "0 0 0 1 1 *";

    [Fact]
    public async Task MissedWhileDown_RunsOnceAtStart_OnOnlyOneOfTwoHosts()
    {
        var storage = await SharedAzurite.AccountAsync();
        var function = TestNames.Function("Missed");
        var monitor = new TimerScheduleMonitor(storage);
        var missed = DateTimeOffset.UtcNow.AddHours(-1);
        await monitor.SetStatusAsync(function, new TimerScheduleStatus(missed.AddDays(-1), missed, missed.AddDays(-1)), CancellationToken.None);
        var handler = new RecordingTimerHandler();
        var catalog = new FunctionCatalog([FunctionDefinition.Timer<RecordingTimerHandler>(function, Yearly)]);

        var starting = new[]
        {
            TestHosts.StartAsync(catalog, s => s.AddSingleton(handler)),
            TestHosts.StartAsync(catalog, s => s.AddSingleton(handler)),
        };
        var hosts = await Task.WhenAll(starting);
        try
        {
            await Eventually.UntilAsync(() => !handler.Ticks.IsEmpty, "the missed run");
            var status = await Eventually.UntilAsync(
                () => monitor.GetStatusAsync(function, CancellationToken.None),
                s => s is not null && s.Next > DateTimeOffset.UtcNow,
                "the schedule monitor to move past the missed run");

            // The host without the lock must have tried for it again after the run, and still not run.
            var loser = await Eventually.UntilAsync(
                () => Task.FromResult(hosts.FirstOrDefault(h => h.Diagnostics.Get(HostDiagnostics.TimerLockHeld, function) == 0)),
                h => h is not null && h.Diagnostics.Get(HostDiagnostics.TimerLockAttempts, function) >= 3,
                "the other host to keep contending for the lock");

            var tick = Assert.Single(handler.Ticks);
            Assert.True(tick.IsPastDue);
            Assert.Equal(missed.ToUnixTimeMilliseconds(), tick.ScheduledTime.ToUnixTimeMilliseconds());
            Assert.Equal(missed.ToUnixTimeMilliseconds(), status!.Last.ToUnixTimeMilliseconds());
            Assert.Equal(1, hosts.Sum(h => h.Diagnostics.Get(HostDiagnostics.TimerRuns, function)));
            Assert.NotNull(loser);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task EverySecond_RunsOnSchedule_NotPastDue()
    {
        var function = TestNames.Function("Tick");
        var handler = new RecordingTimerHandler();
        var catalog = new FunctionCatalog([FunctionDefinition.Timer<RecordingTimerHandler>(function, "%TestSchedule%")]);
        await using var host = await TestHosts.StartAsync(
            catalog, s => s.AddSingleton(handler), new Dictionary<string, string?> { ["TestSchedule"] = "* * * * * *" });

        await Eventually.UntilAsync(() => handler.Ticks.Count >= 2, "two ticks");
        var ticks = handler.Ticks.ToArray();
        Assert.All(ticks, t => Assert.False(t.IsPastDue));
        Assert.All(ticks, t => Assert.Equal(0, t.ScheduledTime.Millisecond));
        Assert.Equal(ticks.Length, ticks.Select(t => t.ScheduledTime).Distinct().Count());
    }

    [Fact]
    public async Task ScheduleChanged_DoesNotWaitForTheOldSchedulesNext()
    {
        var storage = await SharedAzurite.AccountAsync();
        var function = TestNames.Function("Changed");
        var monitor = new TimerScheduleMonitor(storage);
        var now = DateTimeOffset.UtcNow;
        var yearly = Cronos.CronExpression.Parse(Yearly, Cronos.CronFormat.IncludeSeconds);
        await monitor.SetStatusAsync(function, new TimerScheduleStatus(now.AddYears(-1), now.AddMonths(11), now, yearly.ToString()), CancellationToken.None);
        var handler = new RecordingTimerHandler();
        await using var host = await TestHosts.StartAsync(
            new FunctionCatalog([FunctionDefinition.Timer<RecordingTimerHandler>(function, "* * * * * *")]), s => s.AddSingleton(handler));

        await Eventually.UntilAsync(() => !handler.Ticks.IsEmpty, "a tick on the new every-second schedule");
        Assert.False(handler.Ticks.First().IsPastDue);
    }

    [Theory]
    [InlineData("0 */5 * * *", "six-field")]
    [InlineData("%Missing%", "not set")]
    public void ParseSchedule_Invalid_ClearError(string schedule, string expected)
    {
        var function = FunctionDefinition.Timer<RecordingTimerHandler>("Bad", schedule);
        var error = Assert.Throws<InvalidOperationException>(() => TimerTriggerListener.ParseSchedule(function, new ConfigurationBuilder().Build()));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("Bad", error.Message, StringComparison.Ordinal);
    }
}
