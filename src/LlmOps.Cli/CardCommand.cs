using System.CommandLine;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops card ID`: a model, prompt or dataset card in Markdown and HTML.</summary>
internal static class CardCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var id = new Argument<string>("id") { Description = "A registry version (model:x/3, prompt:y/2) or a dataset version (dataset:src@hash)." };
        var output = new Option<DirectoryInfo>("--output") { Description = "Where to write <id>.md and <id>.html (default: the current directory).", DefaultValueFactory = _ => new DirectoryInfo(".") };
        var connection = StorageOption.Create();
        var command = new Command("card", "Write the card of a version from what LlmOps recorded: lineage, data and its quality, evaluations and gates, aliases and their history, approvals, deployments, owners, intended use and limits (registry tags owner, intended_use, limitations). Also kept in reports/cards/.") { id, output, connection };
        command.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var (card, stored) = await services.Cards.WriteAsync(parse.GetValue(id)!, cancellationToken);
            var directory = parse.GetValue(output)!;
            directory.Create();
            var markdown = Path.Combine(directory.FullName, card.FileName + ".md");
            await File.WriteAllTextAsync(markdown, card.ToMarkdown(), cancellationToken);
            await File.WriteAllTextAsync(Path.ChangeExtension(markdown, ".html"), card.ToHtml(), cancellationToken);
            console.MarkupLineInterpolated($"[green]{card.Title}[/]: {markdown} and .html ({card.Sections.Count} sections; kept in {stored}.md and .html).");
            return 0;
        }));
        return command;
    }
}
