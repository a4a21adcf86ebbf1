using System.CommandLine;
using System.Globalization;
using LlmOps.Drift;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops drift check FEATURE` and `llmops drift history FEATURE`.</summary>
internal static class DriftCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var feature = new Argument<string>("feature") { Description = "The feature (its published lifecycle's drift section sets signals and thresholds)." };
        var reference = new Option<string?>("--reference") { Description = "Compare against this dataset version instead of the lifecycle's reference." };
        var current = new Option<string?>("--current") { Description = "Check this dataset version instead of the latest." };
        var source = new Option<string?>("--source") { Description = "Check this source only (default: every source of the feature, one report each)." };
        var check = new Command("check", "Run the drift check now: a report per source (JSON + HTML in reports/drift/), lineage, and actions for alerts.") { feature, reference, current, source, connection };
        check.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var single = parse.GetValue(source) is not null || parse.GetValue(reference) is not null || parse.GetValue(current) is not null;
            var run = await console.Status().StartAsync(
                $"Checking drift of {parse.GetValue(feature)}...",
                async _ => single
                    ? new DriftRun([await services.Drift.CheckAsync(parse.GetValue(feature)!, parse.GetValue(reference), parse.GetValue(current), parse.GetValue(source), cancellationToken)], [])
                    : await services.Drift.CheckAllAsync(parse.GetValue(feature)!, cancellationToken));
            foreach (var report in run.Reports)
            {
                Print(console, report);
            }

            foreach (var skipped in run.Skipped)
            {
                console.MarkupLineInterpolated($"[grey]Skipped: {skipped}[/]");
            }

            return 0;
        }));

        var historyFeature = new Argument<string>("feature") { Description = "The feature." };
        var last = new Option<int>("--last") { Description = "How many checks.", DefaultValueFactory = _ => 20 };
        var history = new Command("history", "Past drift checks of a feature, newest first.") { historyFeature, last, connection };
        history.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var table = new Table().AddColumns("Checked", "Source", "Reference", "Current", "Alerts", "Warnings", "Dataset drift", "Actions", "Report").Border(TableBorder.Rounded);
            var rows = await services.Drift.HistoryAsync(parse.GetValue(historyFeature)!, parse.GetValue(last), cancellationToken);
            foreach (var row in rows)
            {
                table.AddRow(
                    row.CheckedAt.ToString("u", CultureInfo.InvariantCulture),
                    Markup.Escape(row.Source),
                    Markup.Escape(row.Reference),
                    Markup.Escape(row.Current),
                    $"{row.Alerts}",
                    $"{row.Warnings}",
                    row.DatasetDrift ? "yes" : "no",
                    Markup.Escape(row.Actions),
                    Markup.Escape(row.Report));
            }

            console.Write(table);
            console.MarkupLineInterpolated($"{rows.Count} check(s).");
            return 0;
        }));

        return new Command("drift", "Drift checks: run one now, or list past ones.") { check, history };
    }

    private static string Number(double value) => double.IsNaN(value) ? "-" : value.ToString("G4", CultureInfo.InvariantCulture);

    private static void Print(IAnsiConsole console, DriftReport report)
    {
        console.MarkupLineInterpolated($"[bold]{report.Id}[/] ({report.Source}): reference {report.Reference} ({report.ReferenceReason}), current {report.Current}");
        var table = new Table().AddColumns("Signal", "Test", "Value", "Warn", "Alert", "Status", "n (ref / cur)", "Action").Border(TableBorder.Rounded);
        foreach (var c in report.Checks)
        {
            var status = c.Status switch { DriftStatus.Alert => "[red]ALERT[/]", DriftStatus.Warn => "[yellow]warn[/]", DriftStatus.Ok => "[green]ok[/]", DriftStatus.Undefined => "[magenta]undefined[/]", _ => "[grey]too few[/]" };
            table.AddRow(Markup.Escape(c.Signal), c.Test, Number(c.Value), Number(c.Warn), Number(c.Alert), status, $"{c.ReferenceSize} / {c.CurrentSize}", Markup.Escape(c.Action ?? ""));
        }

        console.Write(table);
        foreach (var c in report.Checks.Where(c => c.Status is DriftStatus.Insufficient or DriftStatus.Undefined))
        {
            console.MarkupLineInterpolated($"[grey]{c.Signal}: {c.Message}[/]");
        }

        console.MarkupLineInterpolated($"Dataset drift: {(report.DatasetDrift ? "yes" : "no")}. Report: reports/{report.Folder}report.html");
        foreach (var action in report.ActionsSent)
        {
            console.MarkupLineInterpolated($"[red]Sent {action.Action}[/] for {action.Signal} on queue actions.");
        }

        foreach (var held in report.ActionsHeldBack)
        {
            console.MarkupLineInterpolated($"[grey]Held back: {held}[/]");
        }
    }
}
