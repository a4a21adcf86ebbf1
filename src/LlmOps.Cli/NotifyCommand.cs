using System.CommandLine;
using System.Globalization;
using LlmOps.Notifications;
using Spectre.Console;
using LlmOps.Lifecycle;

namespace LlmOps.Cli;

/// <summary>`llmops notify list|test`: the outbox of notifications, and a test event to check a channel.</summary>
internal static class NotifyCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var status = new Option<string?>("--status") { Description = "Only deliveries in this status: pending, delivered or failed." };
        status.AcceptOnlyFromAmong(NotificationRow.Pending, NotificationRow.Delivered, NotificationRow.Failed);
        var limit = LimitOption.Create("deliveries");
        var list = new Command("list", "The outbox, newest first: each event and channel, its status, attempts and last error.") { status, limit, connection };
        list.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var rows = await services.Notifications.ListAsync(parse.GetValue(status), parse.GetValue(limit) is > 0 and var max ? max : int.MaxValue, cancellationToken);
            var table = new Table().AddColumns("Raised", "Event", "Feature", "Channel", "Status", "Attempts", "Title", "Last error").Border(TableBorder.Rounded);
            foreach (var row in rows)
            {
                table.AddRow(row.RaisedAt.ToString("u", CultureInfo.InvariantCulture), Markup.Escape(row.Kind), Markup.Escape(row.Feature ?? ""), Markup.Escape(row.Channel),
                    row.Status, row.Attempts.ToString(CultureInfo.InvariantCulture), Markup.Escape(row.Title), Markup.Escape(row.LastError ?? ""));
            }

            console.Write(table);
            console.MarkupLineInterpolated($"{rows.Count} deliveries.");
            return 0;
        }));

        var feature = new Option<string>("--feature") { Description = "The feature whose lifecycle routes the event.", Required = true };
        var kind = new Option<string>("--event")
        {
            Description = "The event kind to send as a test (" + string.Join(", ", NotificationKinds.All) + ").",
            DefaultValueFactory = _ => NotificationKinds.DriftAlert,
        };
        kind.AcceptOnlyFromAmong([.. NotificationKinds.All]);
        var testConnection = StorageOption.Create();
        var test = new Command("test", "Raise a test event: it goes to every channel the feature's lifecycle routes that event to (delivered by the running host's DeliverNotification).") { feature, kind, testConnection };
        test.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, testConnection, cancellationToken);
            var queued = await services.Notifications.RaiseTestAsync(parse.GetValue(feature)!, parse.GetValue(kind)!, cancellationToken);
            if (queued == 0)
            {
                console.MarkupLineInterpolated($"[yellow]No channel of {parse.GetValue(feature)} routes {parse.GetValue(kind)}[/]: add it under notify.events in the lifecycle file.");
                return 1;
            }

            console.MarkupLineInterpolated($"Queued {queued} test delivery(ies); see them with `llmops notify list`.");
            return 0;
        }));

        return new Command("notify", "Notifications of the lifecycles' notify sections: the outbox of deliveries, and test events.") { list, test };
    }
}
