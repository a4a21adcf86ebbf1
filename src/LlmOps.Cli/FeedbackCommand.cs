using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Feedback;
using LlmOps.Lifecycle;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>
/// `llmops traces show ID`, `llmops feedback stats FEATURE [--by prompt|deployment|model|day] [--since 7d]` and
/// `llmops feedback query FEATURE "SQL" [--since 7d]` (DuckDB over the analytics Parquet).
/// </summary>
internal static class FeedbackCommand
{
    public static Command Traces(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var id = new Argument<string>("id") { Description = "The trace id." };
        var show = new Command("show", "Show a trace (as stored: PII redacted, user and session hashed) and every score on it.") { id, connection };
        show.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var (trace, scores) = await services.Feedback.GetAsync(parse.GetValue(id)!, cancellationToken);
            if (trace is null && scores.Count == 0)
            {
                throw LlmOpsException.NotFound($"No trace {parse.GetValue(id)} and no score on it.");
            }

            var table = new Table().AddColumns("Trace", Markup.Escape(parse.GetValue(id)!)).Border(TableBorder.Rounded);
            if (trace is null)
            {
                table.AddRow("Status", "not received yet (its scores are kept and join it when it arrives)");
            }
            else
            {
                table.AddRow("Time", trace.Time.ToString("u", CultureInfo.InvariantCulture));
                table.AddRow("Feature / deployment", Markup.Escape($"{trace.Feature} / {trace.Deployment ?? "-"}"));
                table.AddRow("Prompt / model", Markup.Escape($"{trace.PromptVersion ?? "-"} / {trace.Model ?? "-"} ({trace.Provider ?? "-"})"));
                table.AddRow("Input", Markup.Escape(trace.Input ?? ""));
                table.AddRow("Output", Markup.Escape(trace.Output ?? ""));
                table.AddRow("Retrieved", Markup.Escape(string.Join(", ", trace.Retrieved.Select(c => c.Score is { } s ? $"{c.ChunkId} ({s:0.000})" : c.ChunkId))));
                table.AddRow("Latency / tokens", Markup.Escape($"{trace.LatencyMs?.ToString("0", CultureInfo.InvariantCulture) ?? "-"} ms; in {trace.InputTokens?.ToString(CultureInfo.InvariantCulture) ?? "-"} (cached {trace.CachedInputTokens?.ToString(CultureInfo.InvariantCulture) ?? "-"}), out {trace.OutputTokens?.ToString(CultureInfo.InvariantCulture) ?? "-"} (reasoning {trace.ReasoningTokens?.ToString(CultureInfo.InvariantCulture) ?? "-"})"));
                table.AddRow("Cost", trace.CostUsd is { } cost ? cost.ToString("0.######", CultureInfo.InvariantCulture) + " USD" : "-");
                table.AddRow("Status", Markup.Escape(trace.Status + (trace.Error is null ? "" : ": " + trace.Error)));
                table.AddRow("Safety flags", Markup.Escape(trace.SafetyFlags.Count == 0 ? "none" : string.Join(", ", trace.SafetyFlags)));
            }

            foreach (var score in scores)
            {
                var value = score.DataType == Score.Categorical ? score.StringValue : score.Value?.ToString("0.###", CultureInfo.InvariantCulture);
                table.AddRow(Markup.Escape($"Score {score.Name}"), Markup.Escape($"{value} ({score.DataType}, {score.Source}, {score.Time:u}){(score.Comment is null ? "" : " - " + score.Comment)}{(score.Correction is null ? "" : " - correction: " + score.Correction)}"));
            }

            console.Write(table);
            return 0;
        }));
        return new Command("traces", "Production traces by id.") { show };
    }

    public static Command Feedback(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var feature = new Argument<string>("feature") { Description = "The feature whose traces to read." };
        var by = new Option<string>("--by") { Description = "Group by prompt, deployment, model or day (default: none).", DefaultValueFactory = _ => "none" };
        by.AcceptOnlyFromAmong([.. FeedbackAnalytics.Groupings]);
        var since = new Option<string>("--since") { Description = "How far back: 30m, 24h, 7d.", DefaultValueFactory = _ => "7d" };
        var format = new Option<string>("--format") { Description = "table or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var stats = new Command("stats", "Requests, thumbs-up rate, mean of each numeric score, correction and escalation rates, latency p50/p95/p99, tokens, cost per request and per day, error and safety-flag rates; today's budgets.") { feature, by, since, format, connection };
        stats.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var result = await services.FeedbackAnalytics.StatsAsync(parse.GetValue(feature)!, Since(parse.GetValue(since)!), parse.GetValue(by)!, cancellationToken);
            var budgets = await services.Budgets.StatusAsync(parse.GetValue(feature)!, DateTimeOffset.UtcNow, cancellationToken);
            if (parse.GetValue(format) == "json")
            {
                console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new { result.Feature, result.Since, result.By, result.Groups, result.Files, result.Bytes, Budgets = budgets }, JsonSerializerOptions.Web));
                return 0;
            }

            var table = new Table().AddColumns(parse.GetValue(by) == "none" ? "" : parse.GetValue(by)!, "requests", "thumbs up", "corrections", "escalations", "scores (mean)", "latency p50/p95/p99 ms", "tokens in/out", "cost/request", "cost/day", "errors", "safety flags").Border(TableBorder.Rounded);
            table.Title = new TableTitle(Markup.Escape($"{result.Feature} since {result.Since:u} ({result.Files} Parquet files, {result.Bytes / 1024.0:0.#} KiB)"));
            foreach (var g in result.Groups)
            {
                table.AddRow(
                    Markup.Escape(g.Group),
                    g.Requests.ToString(CultureInfo.InvariantCulture),
                    g.ThumbsUpRate is { } thumbs ? $"{thumbs:P1} of {g.ThumbsRated}" : "-",
                    g.CorrectionRate.ToString("P1", CultureInfo.InvariantCulture),
                    g.EscalationRate.ToString("P1", CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join(", ", g.NumericScores.Select(s => $"{s.Key} {s.Value:0.##}"))),
                    $"{F(g.LatencyP50)}/{F(g.LatencyP95)}/{F(g.LatencyP99)}",
                    $"{g.InputTokens}/{g.OutputTokens}",
                    g.CostPerRequest is { } perRequest ? perRequest.ToString("0.######", CultureInfo.InvariantCulture) : "-",
                    g.CostPerDay is { } perDay ? perDay.ToString("0.####", CultureInfo.InvariantCulture) : "-",
                    g.ErrorRate.ToString("P1", CultureInfo.InvariantCulture),
                    g.SafetyFlagRate.ToString("P1", CultureInfo.InvariantCulture));
            }

            console.Write(table);
            if (budgets.Count > 0)
            {
                // Today's budgets of the feature (the lifecycle's budgets section) against the day's spend so far.
                StatusCommand.BudgetTable(console, budgets);
            }

            return 0;
        }));

        var sql = new Argument<string>("sql") { Description = "DuckDB SQL over the views traces and scores." };
        var query = new Command("query", "Run SQL over a feature's traces and scores (embedded DuckDB over the analytics Parquet); prints the rows as JSON Lines.") { feature, sql, since, connection };
        query.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            using var session = await services.FeedbackAnalytics.OpenAsync(parse.GetValue(feature)!, Since(parse.GetValue(since)!), cancellationToken);
            IReadOnlyList<IReadOnlyDictionary<string, object?>> rows;
            try
            {
                rows = session.Rows(parse.GetValue(sql)!);
            }
            catch (DuckDB.NET.Data.DuckDBException ex)
            {
                throw LlmOpsException.Invalid("The query failed: " + ex.Message, ex);
            }

            foreach (var row in rows)
            {
                console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(row, JsonSerializerOptions.Web));
            }

            return 0;
        }));
        return new Command("feedback", "Feedback analytics over production traces and scores.") { stats, query };
    }

    private static DateTimeOffset Since(string text) =>
        DateTimeOffset.UtcNow - (LifecycleParser.ParseDuration(text) ?? throw LlmOpsException.Invalid($"'{text}' is not a duration: expected 30m, 24h or 7d."));

    private static string F(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "-";
}
