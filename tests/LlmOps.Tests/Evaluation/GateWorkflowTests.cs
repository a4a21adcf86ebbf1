using System.Text;
using System.Text.RegularExpressions;
using LlmOps.Cli;
using LlmOps.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Tests.Evaluation;

/// <summary>
/// .github/workflows/llm-gate.yml parses, triggers on prompt and lifecycle changes, and every llmops command it runs
/// exists with valid arguments; then those commands run in order on Azurite, the base branch's prompt being this
/// checkout's, so the gate passes as it must for an unchanged prompt.
/// </summary>
public sealed partial class GateWorkflowTests
{
    private static readonly string WorkflowPath = RepositoryRoot.Combine(".github", "workflows", "llm-gate.yml");

    [Fact]
    public void Workflow_Parses_TriggersOnPromptAndLifecycleChanges()
    {
        var root = Load();
        var paths = ((YamlSequenceNode)Node(root, "on", "pull_request", "paths")).Children.Select(c => ((YamlScalarNode)c).Value).ToList();
        Assert.Contains("prompts/**", paths);
        Assert.Contains("**/*.lifecycle.yaml", paths);
        var steps = (YamlSequenceNode)Node(root, "jobs", "gate", "steps");
        Assert.Contains(steps.Children.OfType<YamlMappingNode>(), s => s.Children.TryGetValue("uses", out var uses) && ((YamlScalarNode)uses).Value!.StartsWith("actions/checkout@", StringComparison.Ordinal));
        Assert.NotEmpty(Commands());
    }

    [Fact]
    public void Workflow_EveryLlmopsCommand_ExistsWithValidArguments()
    {
        foreach (var command in Commands())
        {
            var parse = LlmOpsCli.Create(CliRun.Console(TextWriter.Null)).Parse(command);
            Assert.True(parse.Errors.Count == 0, $"llmops {string.Join(' ', command)}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
            Assert.NotEqual("llmops", parse.CommandResult.Command.Name);
        }
    }

    [Fact]
    public async Task Workflow_CommandsInOrder_OnAzurite_GatePassesForAnUnchangedPrompt()
    {
        var azurite = await SharedAzurite.GetAsync();
        string[] common = ["--connection-string", azurite.ConnectionString, "--storage-prefix", TestNames.Prefix()];
        foreach (var command in Commands())
        {
            // The workflow runs from the repository root; its relative paths are resolved against it here.
            var args = command.Select(a => File.Exists(RepositoryRoot.Combine(a)) ? RepositoryRoot.Combine(a) : a).ToArray();
            var (exit, output) = await CliRun.RunAsync([.. args, .. common]);
            Assert.True(exit == 0, $"llmops {string.Join(' ', command)} exited {exit}:\n{output}");
        }
    }

    /// <summary>The llmops command lines of the gate step, with its shell variables and helpers expanded as the workflow does.</summary>
    private static List<string[]> Commands()
    {
        var steps = (YamlSequenceNode)Node(Load(), "jobs", "gate", "steps");
        var script = steps.Children.OfType<YamlMappingNode>()
            .Where(s => s.Children.TryGetValue("run", out _))
            .Select(s => ((YamlScalarNode)s.Children[new YamlScalarNode("run")]).Value!)
            .Single(r => r.Contains("$LLMOPS", StringComparison.Ordinal));
        var commands = new List<string[]>();
        foreach (var raw in script.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith("$LLMOPS ", StringComparison.Ordinal))
            {
                continue;
            }

            line = line["$LLMOPS ".Length..].Split(" || ")[0]
                .Replace("$PROMPT", "prompt:support-answer", StringComparison.Ordinal)
                .Replace("$MODEL", "extractive", StringComparison.Ordinal)
                .Replace("champion.txt", "prompts/support-answer.txt", StringComparison.Ordinal)
                .Replace("champion.tags", "prompts/support-answer.tags", StringComparison.Ordinal);
            line = TagsHelper().Replace(line, m => string.Join(' ', File.ReadAllLines(RepositoryRoot.Combine(m.Groups[1].Value)).Where(l => l.Length > 0).Select(l => "--tag " + l)));
            commands.Add(Split(line));
        }

        return commands;
    }

    private static string[] Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ' ' && !quoted)
            {
                if (word.Length > 0)
                {
                    words.Add(word.ToString());
                    word.Clear();
                }
            }
            else
            {
                word.Append(c);
            }
        }

        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }

        return [.. words];
    }

    private static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(WorkflowPath)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlNode Node(YamlMappingNode root, params string[] path)
    {
        YamlNode node = root;
        foreach (var key in path)
        {
            node = ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        }

        return node;
    }

    [GeneratedRegex(@"\$\(tags ([^)]+)\)", RegexOptions.CultureInvariant)]
    private static partial Regex TagsHelper();
}
