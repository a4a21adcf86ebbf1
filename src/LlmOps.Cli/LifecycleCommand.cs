using System.CommandLine;
using LlmOps.Lifecycle;
using LlmOps.Storage;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops lifecycle validate|publish FILE`.</summary>
internal static class LifecycleCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var file = new Argument<FileInfo>("file") { Description = "The lifecycle YAML file." };
        var validate = new Command("validate", "Check a lifecycle file and print every problem with its line and field.") { file };
        validate.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            return await RunAsync(console, () => LifecycleParser.LoadAsync(path.FullName, cancellationToken), lifecycle =>
                console.MarkupLineInterpolated($"[green]{path.Name} is valid:[/] feature {lifecycle.Feature}, sources {string.Join(", ", lifecycle.Sources.Select(s => s.Name))}."));
        });

        var publishFile = new Argument<FileInfo>("file") { Description = "The lifecycle YAML file." };
        var connection = StorageOption.Create();
        var force = new Option<bool>("--force") { Description = "Request a republish that breaks the schema of a source (a source or required field removed or retyped); it then needs an approval." };
        var publish = new Command("publish", "Validate a lifecycle file and store it as config/lifecycles/<feature>.yaml, where the functions read it, as version lifecycle:<feature>/N.") { publishFile, force, connection };
        publish.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(publishFile)!;
            return await RunAsync(console, async () =>
            {
                using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
                return await services.Lifecycles.PublishAsync(await File.ReadAllTextAsync(path.FullName, cancellationToken), path.Name, parse.GetValue(force), cancellationToken);
            }, lifecycle =>
                console.MarkupLineInterpolated($"[green]Published[/] config/{StorageNames.LifecyclePrefix}{lifecycle.Feature}.yaml (sources {string.Join(", ", lifecycle.Sources.Select(s => s.Name))})."));
        });

        return new Command("lifecycle", "Validate and publish lifecycle files.") { validate, publish };
    }

    private static Task<int> RunAsync(IAnsiConsole console, Func<Task<LifecycleDefinition>> load, Action<LifecycleDefinition> report) =>
        CliErrors.RunAsync(console, async () =>
        {
            report(await load());
            return 0;
        });
}
