using System.CommandLine;
using System.Globalization;
using LlmOps.Errors;
using LlmOps.Labeling;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops label tasks|import|report|adjudicate|publish`: labeling QA from the command line.</summary>
internal static class LabelCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var connection = StorageOption.Create();

        var file = new Argument<FileInfo>("file") { Description = "A Label Studio JSON export (.json), or rows of item, annotator, field, value (.csv, .jsonl, optionally .gz)." };
        var importProject = new Option<string>("--project") { Description = "The labeling project (as named in a lifecycle file).", Required = true };
        var import = new Command("import", "Upload FILE to labels/<project>/ and import it now, as the LabelQA function does: check every answer, quarantine the rest, re-run the QA.") { file, importProject, connection };
        import.SetAction((parse, cancellationToken) => CliErrors.RunAsync(console, async () =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw LlmOpsException.NotFound($"No such file: {path.FullName}");
            }

            using var client = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var report = await console.Status().StartAsync($"Importing {path.Name}...", _ => client.ImportLabelsAsync(path.FullName, parse.GetValue(importProject)!, cancellationToken));
            var batch = (await client.Labeling.Batches.ListAsync(report.Project, cancellationToken)).OrderByDescending(b => b.ImportedAt).First();
            console.MarkupLineInterpolated($"Batch [bold]{batch.BatchId}[/]: {batch.Accepted} answer(s) accepted, {batch.Quarantined} quarantined, {batch.Cancelled} cancelled.");
            Print(console, report);
            return 0;
        }));

        var tasksProject = new Argument<string>("project") { Description = "The labeling project." };
        var from = new Option<string?>("--from") { Description = "Draw items from this dataset version (default: the latest version of the project's dataset)." };
        var tasks = new Command("tasks", "Build a task set: items drawn by the project's seed, filter and sample, gold mixed in unmarked, each item to <overlap> annotators; written once to labels/<project>/tasks/<set>/ (Label Studio JSON and CSV per annotator).") { tasksProject, from, connection };
        tasks.SetAction((parse, cancellationToken) => CliErrors.RunAsync(console, async () =>
        {
            using var client = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var project = await client.Labeling.ProjectAsync(parse.GetValue(tasksProject)!, cancellationToken);
            var set = await console.Status().StartAsync("Building the task set...", _ => client.Labeling.TaskSets.CreateAsync(project, parse.GetValue(from), cancellationToken));
            console.MarkupLineInterpolated($"Task set [bold]{set.Id}[/] of {set.Project}: {set.Items.Count} item(s) from {set.Dataset} ({set.Gold.Count} gold), overlap {set.Overlap}.");
            var table = new Table().AddColumns("Annotator", "Items", "Files").Border(TableBorder.Rounded);
            foreach (var (annotator, items) in set.Assignments)
            {
                var file = Uri.EscapeDataString(annotator);
                table.AddRow(Markup.Escape(annotator), $"{items.Count}", Markup.Escape($"labels/{LabelTaskSets.FolderOf(set.Project)}{set.Id}/{file}.json, .csv"));
            }

            console.Write(table);
            return 0;
        }));

        var reportProject = new Argument<string>("project") { Description = "The labeling project." };
        var report = new Command("report", "Run the QA now over every batch: agreement per field, annotators, adjudication list, and whether the labels may be published (report in reports/labeling/<project>/).") { reportProject, connection };
        report.SetAction((parse, cancellationToken) => CliErrors.RunAsync(console, async () =>
        {
            using var client = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var result = await console.Status().StartAsync("Checking labels...", _ => client.Labeling.RunAsync(parse.GetValue(reportProject)!, cancellationToken));
            Print(console, result);
            return 0;
        }));

        var adjudicateProject = new Argument<string>("project") { Description = "The labeling project." };
        var item = new Option<string?>("--item") { Description = "The item to decide (without it: list the open items)." };
        var field = new Option<string?>("--field") { Description = "The field to decide." };
        var values = new Option<string[]>("--value") { Description = "The decided value (repeat for a multi-label field).", AllowMultipleArgumentsPerToken = true };
        var reason = new Option<string?>("--reason") { Description = "Why (kept with the decision)." };
        var adjudicate = new Command("adjudicate", "List the items the annotators did not settle, or record a decision for one (who and why are kept).") { adjudicateProject, item, field, values, reason, connection };
        adjudicate.SetAction((parse, cancellationToken) => CliErrors.RunAsync(console, async () =>
        {
            using var client = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var name = parse.GetValue(adjudicateProject)!;
            var project = await client.Labeling.ProjectAsync(name, cancellationToken);
            if (parse.GetValue(item) is not { } itemId)
            {
                var current = await client.Labeling.EvaluateAsync(project, cancellationToken);
                var table = new Table().AddColumns("Item", "Field", "Why", "Labels", "Decision").Border(TableBorder.Rounded);
                foreach (var entry in current.Adjudication)
                {
                    table.AddRow(Markup.Escape(entry.Item), Markup.Escape(entry.Field), Markup.Escape(entry.Reason),
                        Markup.Escape(string.Join("; ", entry.Labels.Select(l => $"{l.Key}: {l.Value}"))),
                        entry.Decision is { } d ? Markup.Escape($"{string.Join("|", d.Values)} ({d.By})") : "[yellow]open[/]");
                }

                console.Write(table);
                console.MarkupLineInterpolated($"{current.Adjudication.Count(a => a.Decision is null)} open, {current.Adjudication.Count(a => a.Decision is not null)} decided.");
                return 0;
            }

            var fieldName = parse.GetValue(field) ?? throw LlmOpsException.Invalid("--field is required with --item.");
            var decided = parse.GetValue(values) ?? [];
            var decision = new Adjudication(itemId, fieldName, decided, client.Caller.Id, parse.GetValue(reason) ?? "", DateTimeOffset.UtcNow);
            await client.Labeling.AdjudicateAsync(name, decision, cancellationToken);
            console.MarkupLineInterpolated($"Recorded: {itemId} {fieldName} = {string.Join("|", decision.Values)} by {decision.By}.");
            return 0;
        }));

        var publishProject = new Argument<string>("project") { Description = "The labeling project." };
        var publish = new Command("publish", "Publish consensus plus adjudications as a labeled dataset version (exit 3 and the reasons when the QA refuses).") { publishProject, connection };
        publish.SetAction((parse, cancellationToken) => CliErrors.RunAsync(console, async () =>
        {
            using var client = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var (manifest, _) = await console.Status().StartAsync("Publishing labels...", _ => client.Labeling.PublishAsync(parse.GetValue(publishProject)!, cancellationToken));
            console.MarkupLineInterpolated($"Published [bold]{manifest.Id}[/]: {manifest.Records} labeled item(s).");
            return 0;
        }));

        return new Command("label", "Labeling QA: build task sets, import label files, report agreement, adjudicate, publish labeled versions.") { tasks, import, report, adjudicate, publish };
    }

    private static string Number(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";

    private static void Print(IAnsiConsole console, LabelingReport report)
    {
        console.MarkupLineInterpolated($"[bold]{report.Project}[/]: {report.Items} item(s), {report.Labels} label(s), consensus by {report.ConsensusMethod}.");
        var fields = new Table().AddColumns("Field", "Kind", "Statistic", "Value", "95% interval (alpha)", "Publish", "Level", "Fleiss", "AC1", "Mean kappa", "Agreement").Border(TableBorder.Rounded);
        foreach (var f in report.Fields)
        {
            var level = f.Level switch { "reliable" => "[green]reliable[/]", "tentative" => "[yellow]tentative[/]", _ => $"[red]{f.Level}[/]" };
            fields.AddRow(Markup.Escape(f.Field), f.Kind, f.Statistic, Number(f.Value), f.AlphaLow is null ? "-" : $"{Number(f.AlphaLow)} to {Number(f.AlphaHigh)}", Number(f.Publish), level,
                Number(f.FleissKappa), Number(f.GwetAc1), Number(f.MeanCohenKappa), Number(f.PercentAgreement));
        }

        console.Write(fields);
        var annotators = new Table().AddColumns("Annotator", "Labels", "Gold accuracy", "Agreement with consensus").Border(TableBorder.Rounded);
        foreach (var a in report.AnnotatorQuality)
        {
            annotators.AddRow(Markup.Escape(a.Annotator), $"{a.Labels}", a.GoldAccuracy is null ? "-" : $"{Number(a.GoldAccuracy)} ({a.GoldCorrect}/{a.GoldLabels})", Number(a.ConsensusAgreement));
        }

        console.Write(annotators);
        console.MarkupLineInterpolated($"Adjudication: {report.Adjudication.Count(a => a.Decision is null)} open, {report.Adjudication.Count(a => a.Decision is not null)} decided. Report: reports/{LabelQualityCheck.FolderOf(report.Project)}latest.html");
        if (report.Publishable)
        {
            console.MarkupLine("[green]Publishable[/]: llmops label publish " + Markup.Escape(report.Project));
        }
        else
        {
            console.MarkupLine("[red]Not publishable[/]:");
            foreach (var reason in report.Reasons)
            {
                console.MarkupLineInterpolated($"  - {reason}");
            }
        }
    }
}
