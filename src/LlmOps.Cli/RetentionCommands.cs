using System.CommandLine;
using System.Globalization;
using LlmOps.Compliance;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops retention run`, `llmops hold add|release|list` and `llmops erase`: what is kept, for how long, and a person's data removed.</summary>
internal static class RetentionCommands
{
    public static IEnumerable<Command> Create(IAnsiConsole console) => [Retention(console), Hold(console), Erase(console)];

    private static Command Erase(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var subject = new Option<string>("--subject") { Description = "The data subject's value: an e-mail address, a phone number, a customer id...", Required = true };
        var field = new Option<string?>("--field") { Description = "The field that holds it (else: any text holding it, or a detected value of its kind that normalizes the same)." };
        var reason = new Option<string>("--reason") { Description = "The request it answers (recorded in the audit log).", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what would be removed; change nothing." };
        var erase = new Command("erase", "Erase a data subject from raw and feedback drops, quarantine, dataset versions (successors without them), embedding indexes, traces, scores and label files, and keep them from coming back (admin).") { subject, field, reason, dryRun, connection };
        erase.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var report = await services.Erasure.EraseAsync(
                parse.GetValue(subject)!, parse.GetValue(field), parse.GetValue(reason), parse.GetValue(dryRun),
                new Progress<string>(step => console.MarkupLineInterpolated($"[grey]Looking in {step}...[/]")), cancellationToken);
            var table = new Table().AddColumns("Where", "Name", report.DryRun ? "Would remove" : "Removed", "Successor", "Note").Border(TableBorder.Rounded);
            foreach (var item in report.Items)
            {
                table.AddRow(item.Store, Markup.Escape(item.Name), item.Removed.ToString(CultureInfo.InvariantCulture), Markup.Escape(item.Successor ?? ""), Markup.Escape(item.Note ?? ""));
            }

            console.Write(table);
            console.MarkupLineInterpolated(report.DryRun
                ? (FormattableString)$"Dry run for {report.Subject} ({report.SubjectType}): {report.Removed} record(s) would be removed."
                : $"{report.Id}: {report.Removed} record(s) of {report.Subject} ({report.SubjectType}) removed; the subject is on the suppression list. Report: reports/{Compliance.ErasureRunner.ReportPath(report.Id)}");
            return 0;
        }));
        return erase;
    }

    private static Command Retention(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what would be deleted; delete nothing and store no report." };
        var run = new Command("run", "Apply every lifecycle's retention now (the Retention timer does it daily): deletes expired raw drops, quarantine, traces and their scores, feedback drops, reports and task sets, never what a deployment, an alias or a legal hold needs (admin).") { dryRun, connection };
        run.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var report = await services.Retention.RunAsync(parse.GetValue(dryRun), cancellationToken);
            var table = new Table().AddColumns("Feature", "Kind", "Days", "Older than", report.DryRun ? "Would delete" : "Deleted", "Bytes", "Kept (protected)").Border(TableBorder.Rounded);
            foreach (var result in report.Results)
            {
                table.AddRow(
                    Markup.Escape(result.Feature), result.Kind, result.Days.ToString(CultureInfo.InvariantCulture), result.Cutoff.ToString("u", CultureInfo.InvariantCulture),
                    result.Deleted.ToString(CultureInfo.InvariantCulture), result.Bytes.ToString(CultureInfo.InvariantCulture), result.Kept.ToString(CultureInfo.InvariantCulture));
            }

            console.Write(table);
            foreach (var feature in report.HeldFeatures)
            {
                console.MarkupLineInterpolated($"[yellow]{feature}[/]: under a legal hold, nothing deleted.");
            }

            foreach (var warning in report.Warnings)
            {
                console.MarkupLineInterpolated($"[yellow]Warning[/]: {warning}");
            }

            console.MarkupLineInterpolated(report.DryRun
                ? (FormattableString)$"Dry run: {report.Deleted} item(s) would be deleted, {report.Kept} kept for a deployment, alias or hold ({report.ProtectedIds} protected ids)."
                : $"{report.Id}: {report.Deleted} item(s) deleted, {report.Kept} kept for a deployment, alias or hold ({report.ProtectedIds} protected ids). Report: reports/{RetentionRunner.ReportPath(report.Id)}");
            return 0;
        }));
        return new Command("retention", "The lifecycles' retention (raw drops, quarantine, traces, feedback, reports, task sets).") { run };
    }

    private static Command Hold(IAnsiConsole console)
    {
        var addId = new Argument<string>("id") { Description = "What to keep: any lineage id (dataset:..., index:..., model:x/3, prompt:x/3, tasks:..., blob:...), whose upstream retention then keeps; or feature:<name> to suspend retention for the feature." };
        var addReason = new Option<string>("--reason") { Description = "The case or request the hold serves (recorded).", Required = true };
        var addConnection = StorageOption.Create();
        var add = new Command("add", "Place a legal hold (admin): retention deletes nothing it was derived from until it is released.") { addId, addReason, addConnection };
        add.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, addConnection, cancellationToken);
            var hold = await services.Holds.AddAsync(parse.GetValue(addId)!, parse.GetValue(addReason)!, cancellationToken);
            console.MarkupLineInterpolated($"[green]Held[/] {hold.Id} ({hold.Reason}).");
            return 0;
        }));

        var releaseId = new Argument<string>("id") { Description = "The held id." };
        var releaseReason = new Option<string>("--reason") { Description = "Why it may go now (recorded).", Required = true };
        var releaseConnection = StorageOption.Create();
        var release = new Command("release", "Release a legal hold (admin): retention applies again from its next run.") { releaseId, releaseReason, releaseConnection };
        release.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, releaseConnection, cancellationToken);
            var hold = await services.Holds.ReleaseAsync(parse.GetValue(releaseId)!, parse.GetValue(releaseReason)!, cancellationToken);
            console.MarkupLineInterpolated($"[green]Released[/] {hold.Id}.");
            return 0;
        }));

        var listConnection = StorageOption.Create();
        var list = new Command("list", "Every legal hold: what, why, who placed it and when.") { listConnection };
        list.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, listConnection, cancellationToken);
            var table = new Table().AddColumns("Held", "Reason", "By", "At").Border(TableBorder.Rounded);
            var count = 0;
            await foreach (var hold in services.Holds.ListAsync(cancellationToken))
            {
                table.AddRow(Markup.Escape(hold.Id), Markup.Escape(hold.Reason), Markup.Escape(hold.By), hold.At.ToString("u", CultureInfo.InvariantCulture));
                count++;
            }

            console.Write(table);
            console.MarkupLineInterpolated($"{count} holds.");
            return 0;
        }));
        return new Command("hold", "Legal holds: what retention must keep.") { add, release, list };
    }
}
