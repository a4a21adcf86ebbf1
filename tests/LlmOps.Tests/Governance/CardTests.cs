using LlmOps.Governance;
using LlmOps.Registry;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tracking;

namespace LlmOps.Tests.Governance;

/// <summary>Cards written from what the system recorded: the data and its quality, the run, aliases with who moved them, deployments, owners and limits.</summary>
public sealed class CardTests
{
    [Fact]
    public async Task PromptCard_FromAChain_NamesItsDataRunAliasDeploymentAndOwners()
    {
        var connection = (await SharedAzurite.GetAsync()).ConnectionString;
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(connection, prefix, Caller.Local("ana"));
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("cards").Source("tickets", idField: "id").Build(), "cards.yaml", CancellationToken.None);
        var path = Path.Combine(Path.GetTempPath(), $"tickets-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(path, "{\"id\":\"T-1\",\"body\":\"Printer jams, mail me at jane@example.com\"}\n{\"id\":\"T-2\",\"body\":\"Cannot log in after reset.\"}\n");
        var dataset = (await client.IngestFileAsync(path, "tickets")).Version!;
        File.Delete(path);
        var run = await client.Tracker.StartRunAsync("cards", new RunStart { Tags = new Dictionary<string, string> { ["feature"] = "cards" } });
        await client.Tracker.LogInputAsync(run.Id, dataset.Id);
        await client.Tracker.LogMetricAsync(run.Id, "answer_accuracy", 0.83);
        await client.Tracker.EndRunAsync(run.Id);
        var version = await client.Registry.RegisterAsync(new RegisterRequest("prompt:cards", run.Id)
        {
            Template = "Answer {{question}}",
            Feature = "cards",
            Tags = new Dictionary<string, string> { ["owner"] = "support-ml", ["intended_use"] = "answers to support tickets", ["limitations"] = "English only" },
        });
        await client.Registry.MoveAliasAsync("prompt:cards", ModelRegistry.Champion, version.Version, "first release");
        var deployment = await client.Registry.DeployAsync("prompt:cards", version.Version, "prod");

        var card = (await client.Cards.WriteAsync(version.Id)).Card.ToMarkdown();

        Assert.Contains("# Prompt card: prompt:cards/1", card, StringComparison.Ordinal);
        Assert.Contains("Owners: support-ml", card, StringComparison.Ordinal);
        Assert.Contains("Intended use: answers to support tickets", card, StringComparison.Ordinal);
        Assert.Contains("Limits: English only", card, StringComparison.Ordinal);
        Assert.Contains("| answer_accuracy | 0.83 |", card, StringComparison.Ordinal);
        Assert.Contains($"| {dataset.Id} | 2 |", card, StringComparison.Ordinal);
        Assert.Contains("email 1", card, StringComparison.Ordinal);
        Assert.Contains("| champion | local:ana |", card, StringComparison.Ordinal);
        Assert.Contains("first release", card, StringComparison.Ordinal);
        Assert.Contains($"| {deployment.Id} | prod |", card, StringComparison.Ordinal);
        Assert.Contains("registry.deploy", card, StringComparison.Ordinal);

        var output = Directory.CreateTempSubdirectory("llmops-card-");
        var (exit, text) = await CliRun.RunAsync("card", dataset.Id, "--output", output.FullName, "--connection-string", connection, "--storage-prefix", prefix);
        Assert.True(exit == 0, text);
        var html = await File.ReadAllTextAsync(Directory.GetFiles(output.FullName, "*.html").Single());
        Assert.Contains("<h1>Dataset card: " + dataset.Id, html, StringComparison.Ordinal);
        Assert.Contains(run.Id, html, StringComparison.Ordinal);
        Assert.Contains("<td>id</td><td>Text</td><td>yes</td>", html, StringComparison.Ordinal);
        output.Delete(recursive: true);
    }
}
