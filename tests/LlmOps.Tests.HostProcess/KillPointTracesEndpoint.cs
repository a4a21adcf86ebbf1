using System.Text.Json;
using Azure.Data.Tables;
using LlmOps.Feedback;

namespace LlmOps.Tests.HostProcess;

/// <summary>
/// <c>POST /api/traces</c> as the product serves it, except that a batch holding a new id with "hang" in it, once its
/// items are durably written, writes a "written" row to the test's journal and never answers: the test kills the
/// process there, between the durable write and the answer.
/// </summary>
public sealed class KillPointTracesEndpoint(FeedbackIngestor ingestor, TableClient journal) : FeedbackEndpoint(ingestor)
{
    protected override async Task<IReadOnlyList<FeedbackItemResult>> IngestAsync(IReadOnlyList<JsonElement> items, CancellationToken cancellationToken)
    {
        var results = await Ingestor.IngestTracesAsync(items, cancellationToken);
        var hang = results.FirstOrDefault(r => r.Status == FeedbackItemResult.Accepted && r.Id?.Contains("hang", StringComparison.Ordinal) == true);
        if (hang is not null)
        {
            await journal.AddEntityAsync(new TableEntity("written", hang.Id), cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        return results;
    }
}
