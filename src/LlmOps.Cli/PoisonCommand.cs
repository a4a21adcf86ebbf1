using System.CommandLine;
using LlmOps.Errors;
using LlmOps.Triggers;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops poison list|show|replay|discard`: what failed every attempt, and working it off.</summary>
internal static class PoisonCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var function = new Option<string?>("--function") { Description = "Only this function's poisoned inputs (IngestDrop, LabelQA, IngestFeedback, IndexDatasetVersion, RunDriftAction, DeliverNotification)." };
        var list = new Command("list", "Every poisoned blob version and queue message: function, what it was, attempts, last error, replays.") { function, connection };
        list.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var items = await services.Poison.ListAsync(parse.GetValue(function), cancellationToken);
            var table = new Table().AddColumns("Id", "Function", "Input", "Attempts", "Replays", "Poisoned", "Last error").Border(TableBorder.Rounded);
            foreach (var item in items)
            {
                table.AddRow(Markup.Escape(item.Id), Markup.Escape(item.Function), Markup.Escape(Shorten(item.Subject, 80)), item.Attempts?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?",
                    item.Replays.ToString(System.Globalization.CultureInfo.InvariantCulture), item.PoisonedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "", Markup.Escape(Shorten(item.Error ?? "unknown (poisoned by the Functions host)", 120)));
            }

            console.Write(table);
            console.MarkupLineInterpolated($"{items.Count} poisoned input(s) (up to {PoisonStore.MaxPerQueue} per poison queue).");
            return 0;
        }));

        var showId = new Argument<string>("id") { Description = "The poison message id (from `poison list`)." };
        var showConnection = StorageOption.Create();
        var show = new Command("show", "One poisoned input whole: the blob version or the message body, attempts, the last error.") { showId, showConnection };
        show.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, showConnection, cancellationToken);
            var item = await services.Poison.GetAsync(parse.GetValue(showId)!, cancellationToken);
            var table = new Table().AddColumns("Field", "Value").Border(TableBorder.Rounded);
            table.AddRow("Id", Markup.Escape(item.Id));
            table.AddRow("Poison queue", Markup.Escape(item.PoisonQueue));
            table.AddRow("Function", Markup.Escape($"{item.Function} ({item.Kind})"));
            table.AddRow(item.Kind == TriggerKind.Blob ? "Blob version" : "Message body", Markup.Escape(item.Subject));
            table.AddRow("Attempts", item.Attempts?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown");
            table.AddRow("Replays that failed", item.Replays.ToString(System.Globalization.CultureInfo.InvariantCulture));
            table.AddRow("Poisoned", item.PoisonedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "");
            table.AddRow("Last error", Markup.Escape(item.Error ?? "unknown (poisoned by the Functions host after its maxDequeueCount)"));
            console.Write(table);
            return 0;
        }));

        return new Command("poison", "Inputs that failed every attempt (blob-poison and <queue>-poison): list, show, replay through the same handler, or discard with a reason.")
        {
            list, show, WorkCommand(console, replay: true), WorkCommand(console, replay: false),
        };
    }

    /// <summary>`replay` and `discard`: one input (--id) or every one listed (--all, optionally of --function).</summary>
    private static Command WorkCommand(IAnsiConsole console, bool replay)
    {
        var connection = StorageOption.Create();
        var id = new Option<string?>("--id") { Description = "The poison message id (from `poison list`)." };
        var all = new Option<bool>("--all") { Description = "Every poisoned input (of --function, when given)." };
        var function = new Option<string?>("--function") { Description = "With --all: only this function's." };
        var reason = new Option<string?>("--reason") { Description = "Why it is discarded (recorded).", Required = !replay };
        var command = replay
            ? new Command("replay", "Run the function's handler again on each input, in this process: done, it leaves the poison queue; failed again, it stays with the new error and its replay count up (exit 1).") { id, all, function, connection }
            : new Command("discard", "Remove each input from its poison queue, recording the reason, who and when (llmops-hosts/poisondiscards/).") { id, all, function, reason, connection };
        command.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            if (parse.GetValue(id) is null == !parse.GetValue(all))
            {
                throw LlmOpsException.Invalid("Name one input with --id ID, or every one with --all.");
            }

            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            IReadOnlyList<PoisonItem> targets = parse.GetValue(id) is { } one
                ? [await services.Poison.GetAsync(one, cancellationToken)]
                : await services.Poison.ListAsync(parse.GetValue(function), cancellationToken);
            var failed = 0;
            foreach (var target in targets)
            {
                var result = replay
                    ? await services.Poison.ReplayAsync(target, cancellationToken)
                    : await services.Poison.DiscardAsync(target, parse.GetValue(reason)!, cancellationToken);
                failed += result.Outcome == PoisonReplayResult.FailedAgain ? 1 : 0;
                console.MarkupLineInterpolated(result.Outcome switch
                {
                    PoisonReplayResult.Replayed => $"[green]replayed[/] {result.Item.Id} ({result.Item.Function}, {Shorten(result.Item.Subject, 80)})",
                    PoisonReplayResult.FailedAgain => $"[red]failed again[/] {result.Item.Id} ({result.Item.Function}, replay {result.Item.Replays}): {result.Error}",
                    _ => $"discarded {result.Item.Id} ({result.Item.Function}, {Shorten(result.Item.Subject, 80)})",
                });
            }

            console.MarkupLineInterpolated($"{targets.Count} input(s), {failed} failed again.");
            return failed > 0 ? 1 : 0;
        }));
        return command;
    }

    private static string Shorten(string text, int length)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= length ? line : line[..(length - 3)] + "...";
    }
}
