using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using Azure;
using Azure.Data.Tables;
using LlmOps.Ingestion;
using LlmOps.Monitoring;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>
/// `llmops demo`: the whole local loop on a throwaway Azurite: a sample drop under raw/ is recorded and announced,
/// the queue handler acknowledges it, the heartbeat timer beats, and /api/health answers.
/// </summary>
internal static class DemoCommand
{
    private const string Source = "support";

    public static Command Create(IAnsiConsole console)
    {
        var connectionString = new Option<string?>("--connection-string")
        {
            Description = "Use this storage account instead of starting a throwaway in-memory Azurite.",
        };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for each step before failing.",
            DefaultValueFactory = _ => 60,
        };
        var command = new Command("demo", "Run the demo end to end on local storage and exit 0 when every step worked.") { connectionString, timeout };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await RunAsync(console, parse.GetValue(connectionString), TimeSpan.FromSeconds(parse.GetValue(timeout)), cancellationToken);
            }
            catch (TimeoutException ex)
            {
                console.MarkupLineInterpolated($"[red]Demo failed:[/] {ex.Message}");
                return 1;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(IAnsiConsole console, string? connectionString, TimeSpan stepTimeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var results = new Table().AddColumns("Step", "Result", "Seconds").Border(TableBorder.Rounded);
        void Done(string step, string result) => results.AddRow(Markup.Escape(step), Markup.Escape(result), $"{clock.Elapsed.TotalSeconds:0.0}");

        var configuration = new Dictionary<string, string?>
        {
            ["LlmOps:Host:HttpPort"] = "0",
            // Beat every second so the demo sees the timer without waiting for the production cadence.
            [TriggerCatalog.HeartbeatScheduleSetting] = "* * * * * *",
        };
        var azurite = new AzuriteOptions { Progress = line => console.MarkupLineInterpolated($"[grey]{line}[/]") };
        await using var stack = await LocalStack.StartAsync(connectionString, azurite, configuration, LogLevel.Warning, cancellationToken);
        Done("Start storage and local host", $"HTTP at {stack.Host.HttpAddress}");
        var storage = stack.Storage;
        var started = DateTimeOffset.UtcNow;

        await console.Status().StartAsync("Dropping the sample tickets under raw/...", async status =>
        {
            var name = $"{Source}/tickets-{started:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}.jsonl";
            var container = storage.Container(StorageNames.RawContainer);
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await using (var sample = typeof(DemoCommand).Assembly.GetManifestResourceStream("samples/support-tickets.jsonl")
                ?? throw new InvalidOperationException("The sample data is missing from the llmops assembly."))
            {
                await container.GetBlobClient(name).UploadAsync(sample, overwrite: true, cancellationToken);
            }

            var etag = (await container.GetBlobClient(name).GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ETag.ToString();
            Done("Drop sample data", $"raw/{name}");
            var rowKey = TableKey.Encode($"{name}|{etag}");

            status.Status("Waiting for the blob trigger to record the drop...");
            var drop = await WaitForRowAsync<DropRecord>(storage.Table(StorageNames.DropsTable), TableKey.Encode(Source), rowKey, stepTimeout, "the drop record", cancellationToken);
            Done("Blob trigger -> drops table", $"{drop.BlobName} at {drop.ReceivedAt:HH:mm:ss.fff}");

            status.Status("Waiting for the queue handler to acknowledge it...");
            var ack = await WaitForRowAsync<DropAcknowledgement>(storage.Table(StorageNames.DropAcknowledgementsTable), TableKey.Encode(Source), rowKey, stepTimeout, "the acknowledgement record", cancellationToken);
            Done("Queue trigger -> dropacks table", $"message {ack.MessageId}");

            status.Status("Waiting for a heartbeat...");
            var beat = await WaitForHeartbeatAsync(storage.Table(StorageNames.HeartbeatsTable), started, stepTimeout, cancellationToken);
            Done("Timer trigger -> heartbeats table", $"beat scheduled {beat.ScheduledTime:HH:mm:ss}");

            status.Status("Calling GET /api/health...");
            using var http = new HttpClient { BaseAddress = stack.Host.HttpAddress, Timeout = stepTimeout };
            var health = await http.GetFromJsonAsync<HealthReport>(new Uri("/api/health", UriKind.Relative), cancellationToken)
                ?? throw new InvalidOperationException("/api/health returned no body.");
            Done("HTTP trigger GET /api/health", $"{health.Status}, version {health.Version}, blob {health.BlobEndpoint}");
        });

        console.Write(results);
        console.MarkupLine("[green]Demo complete:[/] blob, queue, timer and HTTP triggers all ran on local storage.");
        return 0;
    }

    private static async Task<T> WaitForRowAsync<T>(TableClient table, string partitionKey, string rowKey, TimeSpan timeout, string what, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var found = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken: cancellationToken);
                if (found.HasValue)
                {
                    return found.Value!;
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // The table is created by the first handler run.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not appear within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static async Task<Heartbeat> WaitForHeartbeatAsync(TableClient table, DateTimeOffset since, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await foreach (var beat in table.QueryAsync<Heartbeat>(b => b.RecordedAt >= since, cancellationToken: cancellationToken))
                {
                    return beat;
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // No beat yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no heartbeat within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
