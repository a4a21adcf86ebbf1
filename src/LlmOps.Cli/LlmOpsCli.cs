using System.CommandLine;
using System.CommandLine.Help;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>The llmops command tree.</summary>
public static class LlmOpsCli
{
    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken = default) =>
        await Create(console).Parse(args).InvokeAsync(new InvocationConfiguration(), cancellationToken);

    /// <summary>What users type, and what usage and help say (a RootCommand would name itself after the executable, LlmOps.Cli).</summary>
    public const string Name = "llmops";

    /// <summary>The root command with every subcommand (parsed by the tests that check scripts calling llmops).</summary>
    public static Command Create(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        var output = new SwitchableConsole(console);
        console = output;
        var root = new Command(Name, "LlmOps: data and lifecycle operations for LLM features, on Azure Functions or fully local on Azurite.")
        {
            new HelpOption(),
            new VersionOption(),
        };
        root.Options.Add(StorageOption.CreatePrefix());
        root.Subcommands.Add(UpCommand.Create(console));
        root.Subcommands.Add(DemoCommand.Create(console));
        root.Subcommands.Add(LifecycleCommand.Create(console));
        root.Subcommands.Add(IngestCommand.Create(console));
        root.Subcommands.Add(DatasetsCommand.Create(console));
        root.Subcommands.Add(EmbeddingsCommand.Create(console));
        root.Subcommands.Add(SearchCommand.Create(console));
        root.Subcommands.Add(EvalCommand.Create(console));
        root.Subcommands.Add(GateCommand.Create(console));
        root.Subcommands.Add(LineageCommand.Create(console));
        root.Subcommands.Add(RunsCommand.Create(console));
        root.Subcommands.Add(RegistryCommand.Create(console));
        root.Subcommands.Add(FeedbackCommand.Traces(console));
        root.Subcommands.Add(FeedbackCommand.Feedback(console));
        root.Subcommands.Add(DriftCommand.Create(console));
        root.Subcommands.Add(LabelCommand.Create(console));
        root.Subcommands.Add(NotebookCommand.Create(console));
        root.Subcommands.Add(SamplesCommand.Create(console));
        root.Subcommands.Add(PoisonCommand.Create(console));
        root.Subcommands.Add(NotifyCommand.Create(console));
        root.Subcommands.Add(StatusCommand.Create(console));
        root.Subcommands.Add(CardCommand.Create(console));
        foreach (var command in GovernanceCommands.Create(console).Concat(RetentionCommands.Create(console)))
        {
            root.Subcommands.Add(command);
        }

        JsonOutput.AddFormatOption(root, output);
        return root;
    }
}
