using System.Globalization;
using LlmOps.Errors;
using LlmOps.Triggers;

namespace LlmOps.Embeddings;

/// <summary>
/// GET /api/search?q=TEXT[&amp;index=ID][&amp;k=5][&amp;filter=field:value,...][&amp;store=exact|azure-ai-search]: top-k
/// cosine search, on the store the feature's lifecycle names unless <c>store</c> says which.
/// </summary>
public sealed class SearchEndpoint(SemanticSearch search, Governance.ChangeControl governance) : IHttpTriggerHandler
{
    public async Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Query.GetValueOrDefault("q") is not { Length: > 0 } query || string.IsNullOrWhiteSpace(query))
        {
            throw LlmOpsException.Invalid("Pass the search text as ?q=...");
        }

        var k = 5;
        if (request.Query.GetValueOrDefault("k") is { Length: > 0 } kText
            && (!int.TryParse(kText, NumberStyles.None, CultureInfo.InvariantCulture, out k) || k is < 1 or > SemanticSearch.MaxK))
        {
            throw LlmOpsException.Invalid($"k must be a whole number from 1 to {SemanticSearch.MaxK}.");
        }

        var filters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (request.Query.GetValueOrDefault("filter") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw LlmOpsException.Invalid($"filter '{pair}' is not field:value.");
            }

            filters[pair[..colon]] = pair[(colon + 1)..];
        }

        var index = request.Query.GetValueOrDefault("index") is { Length: > 0 } named ? named : null;
        var feature = request.Query.GetValueOrDefault("feature") is { Length: > 0 } chosen ? chosen : null;
        await governance.DemandReadAsync(feature, "search", cancellationToken);
        var store = request.Query.GetValueOrDefault("store") is { Length: > 0 } asked ? asked : null;
        return HttpTriggerResponse.Json(await search.SearchAsync(query, index, k, filters, feature, store, cancellationToken));
    }
}
