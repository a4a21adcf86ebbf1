using System.CommandLine;
using LlmOps.Errors;
using LlmOps.Lineage;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops lineage ID [--up|--down] [--depth N] [--format text|mermaid|json|openlineage]`.</summary>
internal static class LineageCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var id = new Argument<string>("id") { Description = "A node id: blob:raw/tickets/a.jsonl@0x8D..., dataset:tickets@3f9a1c2e0b7d, run:01JD..., model:support-bot/7, deploy:prod/01JD..." };
        var up = new Option<bool>("--up") { Description = "Only upstream: where it came from." };
        var down = new Option<bool>("--down") { Description = "Only downstream: what came from it." };
        var depth = new Option<int>("--depth") { Description = $"Hops to walk (1 to {LineageStore.MaxDepth}).", DefaultValueFactory = _ => LineageEndpoint.DefaultDepth };
        var format = new Option<LineageFormat>("--format") { Description = "text, mermaid, json or openlineage (one RunEvent per line).", DefaultValueFactory = _ => LineageFormat.Text };
        var connection = StorageOption.Create();
        var command = new Command("lineage", "Walk the lineage graph from a node, upstream and downstream (default both).") { id, up, down, depth, format, connection };
        command.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            if (parse.GetValue(up) && parse.GetValue(down))
            {
                throw LlmOpsException.Invalid("Give --up or --down, not both (neither means both directions).");
            }

            var direction = parse.GetValue(up) ? LineageDirection.Upstream : parse.GetValue(down) ? LineageDirection.Downstream : LineageDirection.Both;
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var graph = await services.Lineage.QueryAsync(parse.GetValue(id)!, direction, parse.GetValue(depth), cancellationToken);
            if (!graph.Found)
            {
                throw LlmOpsException.NotFound($"Nothing in the lineage graph is called {graph.Root}.");
            }

            // Straight to the writer: Spectre would wrap long ids, and JSON or Mermaid must stay intact when piped.
            await console.Profile.Out.Writer.WriteLineAsync(LineageWriter.Write(graph, parse.GetValue(format)).TrimEnd().AsMemory(), cancellationToken);
            return 0;
        }));
        return command;
    }
}
