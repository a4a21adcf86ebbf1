using System.CommandLine;
using System.Globalization;
using LlmOps.Errors;
using LlmOps.Tracking;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops runs list | show | compare`.</summary>
internal static class RunsCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var experiment = new Option<string?>("--experiment") { Description = "Only runs of this experiment." };
        var limit = LimitOption.Create("runs");
        var list = new Command("list", "List runs, newest first, with status, duration and git revision.") { experiment, limit, connection };
        list.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var (runs, more) = await LimitOption.TakeAsync(services.Tracker.ListRunsAsync(parse.GetValue(experiment), cancellationToken), parse.GetValue(limit), cancellationToken);
            var table = new Table().AddColumns("Run", "Experiment", "Name", "Status", "Started", "Duration", "Git").Border(TableBorder.Rounded);
            foreach (var run in runs)
            {
                table.AddRow(
                    Markup.Escape(run.Id),
                    Markup.Escape(run.Experiment),
                    Markup.Escape(run.Name),
                    Status(run.Status),
                    run.StartTime.ToString("u", CultureInfo.InvariantCulture),
                    run.EndTime is { } end ? $"{(end - run.StartTime).TotalSeconds:F1} s" : "-",
                    run.GitRevision?[..Math.Min(10, run.GitRevision.Length)] ?? "-");
            }

            console.Write(table);
            LimitOption.Summarize(console, runs.Count, more, "run");
            return 0;
        }));

        var showId = new Argument<string>("run") { Description = "A run id, e.g. run:01JD3ZK1M8Q5X2..." };
        var show = new Command("show", "Show a run: status, params, latest metrics, tags, inputs and artifacts.") { showId, connection };
        show.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var run = await services.Tracker.GetRunAsync(parse.GetValue(showId)!, cancellationToken)
                ?? throw LlmOpsException.NotFound($"No run {parse.GetValue(showId)}. Try `llmops runs list`.");
            var info = run.Info;
            console.MarkupLineInterpolated($"[bold]{info.Id}[/] ({info.Name}) in experiment {info.Experiment}: {info.Status.ToString().ToUpperInvariant()}");
            console.MarkupLineInterpolated($"started {info.StartTime:u}, ended {(info.EndTime is { } end ? end.ToString("u", CultureInfo.InvariantCulture) : "-")}, by {info.User}, git {info.GitRevision ?? "-"}");
            var table = new Table().AddColumns("Kind", "Key", "Value").Border(TableBorder.Rounded);
            foreach (var (key, value) in run.Params)
            {
                table.AddRow("param", Markup.Escape(key), Markup.Escape(value));
            }

            foreach (var (key, point) in run.LatestMetrics)
            {
                table.AddRow("metric", Markup.Escape(key), $"{point.Value.ToString("G6", CultureInfo.InvariantCulture)} (step {point.Step})");
            }

            foreach (var (key, value) in run.Tags)
            {
                table.AddRow("tag", Markup.Escape(key), Markup.Escape(value));
            }

            foreach (var input in run.Inputs)
            {
                table.AddRow("input", Markup.Escape(input.Context), Markup.Escape(input.DatasetId));
            }

            foreach (var artifact in run.Artifacts)
            {
                table.AddRow("artifact", Markup.Escape(artifact), "");
            }

            console.Write(table);
            return 0;
        }));

        var compareIds = new Argument<string[]>("runs") { Description = "Two or more run ids.", Arity = new ArgumentArity(2, 100) };
        var compare = new Command("compare", "Compare runs side by side: every param and the latest value of every metric; differing rows marked.") { compareIds, connection };
        compare.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var runs = new List<RunDetails>();
            foreach (var id in parse.GetValue(compareIds)!)
            {
                runs.Add(await services.Tracker.GetRunAsync(id, cancellationToken) ?? throw LlmOpsException.NotFound($"No run {id}. Try `llmops runs list`."));
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumn("");
            foreach (var run in runs)
            {
                table.AddColumn(Markup.Escape($"{run.Info.Name} ({run.Info.Id[4..]})"));
            }

            table.AddRow(["status", .. runs.Select(r => Status(r.Info.Status))]);
            foreach (var key in runs.SelectMany(r => r.Params.Keys).Distinct().Order(StringComparer.Ordinal))
            {
                AddRow(table, "param " + key, [.. runs.Select(r => r.Params.GetValueOrDefault(key) ?? "-")]);
            }

            foreach (var key in runs.SelectMany(r => r.LatestMetrics.Keys).Distinct().Order(StringComparer.Ordinal))
            {
                AddRow(table, "metric " + key, [.. runs.Select(r => r.LatestMetrics.TryGetValue(key, out var p) ? p.Value.ToString("G6", CultureInfo.InvariantCulture) : "-")]);
            }

            console.Write(table);
            console.MarkupLine("Rows marked * differ between runs.");
            return 0;
        }));

        return new Command("runs", "Inspect experiment runs (MLflow's model: params, metrics with steps, tags, inputs, artifacts).") { list, show, compare };
    }

    private static void AddRow(Table table, string label, string[] values)
    {
        var differs = values.Distinct(StringComparer.Ordinal).Count() > 1;
        table.AddRow([Markup.Escape((differs ? "* " : "  ") + label), .. values.Select(Markup.Escape)]);
    }

    private static string Status(RunStatus status) => status switch
    {
        RunStatus.Finished => "[green]FINISHED[/]",
        RunStatus.Running => "[blue]RUNNING[/]",
        RunStatus.Scheduled => "[blue]SCHEDULED[/]",
        RunStatus.Failed => "[red]FAILED[/]",
        _ => "[yellow]KILLED[/]",
    };
}
