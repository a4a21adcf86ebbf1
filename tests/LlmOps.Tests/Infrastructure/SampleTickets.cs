using LlmOps.Ingestion;

namespace LlmOps.Tests.Infrastructure;

/// <summary>The demo feature's sample, as a test starts from it: storage provisioned, its lifecycle published, the tickets ingested.</summary>
public static class SampleTickets
{
    public static async Task<IngestionResult> IngestAsync(LlmOpsClient client, string? lifecycleYaml = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(
            lifecycleYaml ?? await File.ReadAllTextAsync(RepositoryRoot.Combine("samples", "support-answers.lifecycle.yaml")), "support-answers.lifecycle.yaml", CancellationToken.None);
        return await client.IngestFileAsync(RepositoryRoot.Combine("samples", "support-tickets.jsonl"), "tickets");
    }
}
