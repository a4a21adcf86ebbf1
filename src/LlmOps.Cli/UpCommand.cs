using System.CommandLine;
using System.Runtime.InteropServices;
using LlmOps.Development;
using LlmOps.LocalHost;
using LlmOps.Storage;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops up`: Azurite plus the local host in the foreground until Ctrl+C.</summary>
internal static class UpCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Folder for Azurite's data (kept across runs).",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".llmops", "azurite")),
        };
        var connectionString = new Option<string?>("--connection-string")
        {
            Description = "Use this storage account (Azure or a running Azurite) instead of starting Azurite.",
        };
        var port = new Option<int>("--port")
        {
            Description = "Loopback port for HTTP functions (/api/...). 0 picks a free one.",
            DefaultValueFactory = _ => 7071,
        };
        var randomPorts = new Option<bool>("--random-ports")
        {
            Description = "Start Azurite on free ports instead of the standard 10000-10002.",
        };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every invocation, not only warnings, and print each span and the metrics (OpenTelemetry console exporter)." };
        var otlp = new Option<Uri?>("--otlp-endpoint")
        {
            Description = "Send traces and metrics to this OTLP/HTTP collector, e.g. http://localhost:4318 (also: OTEL_EXPORTER_OTLP_ENDPOINT).",
        };
        var command = new Command("up", "Run Azurite and the local serverless host (every trigger of the catalog) in the foreground; Ctrl+C stops both.")
        {
            data, connectionString, port, randomPorts, verbose, otlp,
        };
        command.SetAction(async (parse, invocationToken) => await CliErrors.RunAsync(console, async () =>
        {
            // Ctrl+C and SIGTERM (a service manager, `kill`) both stop gracefully: the host drains, then Azurite stops.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stopping.Cancel(); });
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stopping.Cancel(); });
            var cancellationToken = stopping.Token;
            var standard = !parse.GetValue(randomPorts);
            var azurite = new AzuriteOptions
            {
                DataLocation = parse.GetValue(data)!.FullName,
                BlobPort = standard ? 10000 : 0,
                QueuePort = standard ? 10001 : 0,
                TablePort = standard ? 10002 : 0,
                Progress = line => console.MarkupLineInterpolated($"[grey]{line}[/]"),
            };
            var configuration = new Dictionary<string, string?>
            {
                ["LlmOps:Host:HttpPort"] = parse.GetValue(port).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["LlmOps:Telemetry:Console"] = parse.GetValue(verbose) ? "true" : null,
                ["LlmOps:Telemetry:OtlpEndpoint"] = parse.GetValue(otlp)?.AbsoluteUri,
            };
            await using var stack = await LocalStack.StartAsync(
                parse.GetValue(connectionString), StorageOption.Prefix(parse), azurite, configuration, parse.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning, cancellationToken);
            using var announce = cancellationToken.Register(() => console.MarkupLine("Stopping: running handlers finish or hand their input back, then Azurite stops..."));
            await Describe(console, stack, cancellationToken);
            console.MarkupLine("[green]Running.[/] Drop files under [bold]raw/<source>/[/]. Press [bold]Ctrl+C[/] to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Stopping: the stack is disposed below, host first.
            }

            return 0;
        }));
        return command;
    }

    private static async Task Describe(IAnsiConsole console, LocalStack stack, CancellationToken cancellationToken)
    {
        var keys = await stack.Host.GetKeysAsync(cancellationToken);
        await stack.Host.Worker.WaitUntilReadyAsync(cancellationToken);
        var endpoints = new Table().AddColumns("Setting", "Value").Border(TableBorder.Rounded);
        endpoints.AddRow("Storage", Markup.Escape(stack.Azurite is null ? "(given connection string)" : $"Azurite pids {string.Join(" ", stack.Azurite.ProcessIds)}"));
        endpoints.AddRow("Connection string", Markup.Escape(stack.ConnectionString));
        endpoints.AddRow("Functions worker", Markup.Escape(stack.Host.Worker.Describe()));
        endpoints.AddRow("HTTP", Markup.Escape($"{stack.Host.HttpAddress}api/"));
        endpoints.AddRow("Function key", Markup.Escape(keys.FunctionKey));
        endpoints.AddRow("Master key", Markup.Escape(keys.MasterKey));
        endpoints.AddRow("Web console", Markup.Escape($"{stack.Host.HttpAddress}api/console?code={keys.FunctionKey}"));
        console.Write(endpoints);

        var functions = new Table().AddColumns("Function", "Trigger", "Source").Border(TableBorder.Rounded);
        foreach (var function in FunctionCatalog.Product.Functions)
        {
            var source = function.Kind == LlmOps.Triggers.TriggerKind.Http ? $"{string.Join(",", function.Methods)} /api/{function.Target} ({function.AuthLevel})" : function.Target;
            functions.AddRow(Markup.Escape(function.Name), function.Kind.ToString(), Markup.Escape(source));
        }

        console.Write(functions);
    }
}
