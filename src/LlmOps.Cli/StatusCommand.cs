using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LlmOps.Monitoring;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops status [--watch N] [--format table|json]`: what is backed up, poisoned or late; exit 1 when anything needs attention.</summary>
internal static class StatusCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var watch = new Option<int?>("--watch") { Description = "Refresh every N seconds until Ctrl+C." };
        var format = new Option<string>("--format") { Description = "table or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("status", "Per function: trigger, listener state, last success and failure, queue backlog and oldest message, pending blobs, poisoned inputs, a timer's last and next run, what needs attention; the hosts and the Functions worker; today's budgets; the newest heartbeat. Exit 1 when anything is faulted, poisoned or late, or a budget is breached.")
        {
            watch, format, connection,
        };
        command.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            while (true)
            {
                var report = await services.Status.GetAsync(cancellationToken);
                if (parse.GetValue(format) == "json")
                {
                    await console.Profile.Out.Writer.WriteLineAsync(JsonSerializer.Serialize(report, JsonSerializerOptions.Web));
                }
                else
                {
                    Write(console, report);
                }

                if (parse.GetValue(watch) is not { } seconds)
                {
                    return report.NeedsAttention ? 1 : 0;
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, seconds)), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return report.NeedsAttention ? 1 : 0;
                }
            }
        }));
        return command;
    }

    private static void Write(IAnsiConsole console, OperationsReport report)
    {
        var table = new Table().AddColumns("Function", "Trigger", "Target", "State", "Last success", "Last failure", "Backlog", "Oldest", "Pending", "Poisoned", "Last run", "Next run", "Attention").Border(TableBorder.Rounded);
        table.Title = new TableTitle(Markup.Escape($"Status at {report.At:u}"));
        foreach (var f in report.Functions)
        {
            table.AddRow(
                Markup.Escape(f.Function), f.Trigger.ToString(), Markup.Escape(f.Target), Markup.Escape(f.State ?? ""),
                Time(f.LastSuccess), Markup.Escape(f.LastFailure is { } failed ? $"{Time(failed)} {f.LastError}" : ""),
                f.Backlog?.ToString(CultureInfo.InvariantCulture) ?? "", f.OldestMessageAge is { } age ? $"{age.TotalSeconds:0} s" : "",
                f.Pending?.ToString(CultureInfo.InvariantCulture) ?? "", f.Poisoned?.ToString(CultureInfo.InvariantCulture) ?? "", Time(f.LastRun), Time(f.NextRun),
                f.Attention is null ? "" : $"[red]{Markup.Escape(f.Attention)}[/]");
        }

        console.Write(table);
        console.MarkupLine(report.Hosts.Count == 0
            ? "No host has published its status in the last 2 minutes (is `llmops up` or the Azure app running?)."
            : Markup.Escape($"Hosts: {string.Join("; ", report.Hosts)}. Functions worker: {report.Worker ?? "(none reports)"}."));
        if (report.Budgets.Count > 0)
        {
            BudgetTable(console, report.Budgets);
        }

        console.MarkupLine(report.LastHeartbeat is { } beat
            ? Markup.Escape($"Newest heartbeat {beat:u} from {report.HeartbeatMachine} ({(report.At - beat).TotalMinutes:0} min ago).")
            : "No heartbeat in the last day: no host has run the Heartbeat timer.");
        console.MarkupLine(report.NeedsAttention ? "[red]Needs attention.[/]" : "[green]Nothing poisoned or late, no budget breached.[/]");
    }

    /// <summary>Each budget limit of the day against the spend so far (also under `llmops feedback stats`).</summary>
    internal static void BudgetTable(IAnsiConsole console, IReadOnlyList<LlmOps.Feedback.BudgetStatus> budgets)
    {
        var table = new Table().AddColumns("Budget", "Day", "Limit", "Spent", "Requests", "Breached").Border(TableBorder.Rounded);
        foreach (var b in budgets)
        {
            table.AddRow(Markup.Escape($"{b.Scope} {b.Metric}"), b.Day, b.Limit.ToString("0.####", CultureInfo.InvariantCulture),
                b.Actual?.ToString("0.####", CultureInfo.InvariantCulture) ?? "(too few requests)", b.Requests.ToString(CultureInfo.InvariantCulture), b.Breached ? "[red]yes[/]" : "no");
        }

        console.Write(table);
    }

    private static string Time(DateTimeOffset? time) => time?.ToString("u", CultureInfo.InvariantCulture) ?? "";
}
