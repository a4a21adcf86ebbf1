using System.Text.Json;
using LlmOps.Triggers;

namespace LlmOps.Feedback;

/// <summary>
/// <c>POST /api/traces</c> and <c>POST /api/scores</c>: a JSON object or an array of up to 1,000; answered 202 once the
/// good items are written, with a result per item (accepted, duplicate, or rejected with the reason; the good ones are
/// kept when others are bad), 400 when none is good or the body is not JSON, 413 over <see cref="MaxBodyBytes"/>.
/// </summary>
public abstract class FeedbackEndpoint(FeedbackIngestor ingestor) : IHttpTriggerHandler
{
    public const int MaxBodyBytes = 4 << 20;

    protected FeedbackIngestor Ingestor { get; } = ingestor;

    public async Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Body.Length > MaxBodyBytes)
        {
            return HttpTriggerResponse.Problem(413, "Request body too large", $"At most {MaxBodyBytes >> 20} MB per request ({request.Body.Length} bytes sent); split the batch.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(request.Body);
        }
        catch (JsonException ex)
        {
            return HttpTriggerResponse.Problem(400, "The body is not JSON", ex.Message);
        }

        using (document)
        {
            var results = await IngestAsync(FeedbackIngestor.Items(document.RootElement), cancellationToken);
            var rejected = results.Count(r => r.Status == FeedbackItemResult.Rejected);
            return HttpTriggerResponse.Json(
                new
                {
                    Accepted = results.Count(r => r.Status == FeedbackItemResult.Accepted),
                    Duplicates = results.Count(r => r.Status == FeedbackItemResult.Duplicate),
                    Rejected = rejected,
                    Items = results,
                },
                rejected == results.Count ? 400 : 202);
        }
    }

    protected abstract Task<IReadOnlyList<FeedbackItemResult>> IngestAsync(IReadOnlyList<JsonElement> items, CancellationToken cancellationToken);
}
