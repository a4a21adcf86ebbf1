using System.Text.Json;

namespace LlmOps.Feedback;

/// <summary><c>POST /api/scores</c>: feedback on traces (<see cref="Score"/>), before or after their trace arrives.</summary>
public sealed class ScoresEndpoint(FeedbackIngestor ingestor) : FeedbackEndpoint(ingestor)
{
    protected override Task<IReadOnlyList<FeedbackItemResult>> IngestAsync(IReadOnlyList<JsonElement> items, CancellationToken cancellationToken) =>
        Ingestor.IngestScoresAsync(items, cancellationToken);
}
