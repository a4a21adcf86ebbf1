using System.Text.Json;

namespace LlmOps.Feedback;

/// <summary><c>POST /api/traces</c>: answered requests of a production feature (<see cref="Trace"/>).</summary>
public sealed class TracesEndpoint(FeedbackIngestor ingestor) : FeedbackEndpoint(ingestor)
{
    protected override Task<IReadOnlyList<FeedbackItemResult>> IngestAsync(IReadOnlyList<JsonElement> items, CancellationToken cancellationToken) =>
        Ingestor.IngestTracesAsync(items, cancellationToken);
}
