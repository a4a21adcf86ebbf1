using System.Globalization;
using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Triggers;

namespace LlmOps.WebConsole;

/// <summary>
/// <c>/api/console-api/{view}</c>: the data behind the web console's pages, one JSON view per page (what the CLI prints
/// for the same question), and adjudication from the labeling page. Every view demands the reader role as the other
/// reads do; adjudication demands the labeler role in <see cref="Labeling.LabelQualityCheck"/>. Signed in as the page is
/// (<see cref="ISignedInHttpTriggerHandler"/>): an Entra user behind App Service authentication, a named key, or the
/// local host's key.
/// </summary>
public sealed class ConsoleApi(ConsoleViews views, Governance.ChangeControl governance) : ISignedInHttpTriggerHandler
{
    public async Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var view = (request.RouteValues.GetValueOrDefault("view") ?? "").Trim('/');
        string? Query(string name) => request.Query.GetValueOrDefault(name) is { Length: > 0 } value ? value : null;
        string Required(string name) => Query(name) ?? throw LlmOpsException.Invalid($"The {name} query parameter is required for console-api/{view}.");

        if (request.Method == "POST")
        {
            if (view != "labeling/adjudicate")
            {
                throw LlmOpsException.Invalid($"console-api/{view} takes GET; only labeling/adjudicate takes POST.");
            }

            // JSON only: a page elsewhere cannot send it without a CORS preflight this app never answers, so a browser's
            // sign-in cookie (App Service authentication) cannot be used to post a decision from another site.
            if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                throw LlmOpsException.Invalid("Send the decision as JSON (Content-Type: application/json).");
            }

            var body = Read<AdjudicationRequest>(request.Body);
            return HttpTriggerResponse.Json(await views.AdjudicateAsync(body, cancellationToken));
        }

        await governance.DemandReadAsync(Query("feature"), "read the console's " + (view.Length == 0 ? "views" : view), cancellationToken);
        object result = view switch
        {
            "overview" => await views.OverviewAsync(cancellationToken),
            "features" => await views.FeaturesAsync(cancellationToken),
            "datasets" => await views.DatasetsAsync(Query("source"), cancellationToken),
            "datasets/version" => await views.DatasetVersionAsync(Required("id"), cancellationToken),
            "datasets/diff" => await views.DiffAsync(Required("from"), Required("to"), cancellationToken),
            "lineage" => await views.LineageLevelAsync(Required("id"), cancellationToken),
            "lineage/search" => await views.SearchLineageAsync(Required("q"), Limit(Query("limit"), 50), cancellationToken),
            "runs" => await views.RunsAsync(Query("experiment"), Query("q"), Query("status"), Limit(Query("limit"), 200), cancellationToken),
            "runs/detail" => await views.RunAsync(Required("id"), cancellationToken),
            "registry" => await views.RegistryAsync(cancellationToken),
            "registry/item" => await views.RegistryItemAsync(Required("name"), cancellationToken),
            "drift" => await views.DriftAsync(Required("feature"), cancellationToken),
            "feedback" => await views.FeedbackAsync(Required("feature"), Limit(Query("days"), 30), cancellationToken),
            "feedback/trace" => await views.TraceAsync(Required("id"), cancellationToken),
            "labeling" => await views.LabelingAsync(Required("project"), cancellationToken),
            "governance" => await views.GovernanceAsync(Limit(Query("limit"), 100), cancellationToken),
            "report" => await views.ReportAsync(Required("path"), cancellationToken),
            _ => throw LlmOpsException.NotFound($"The console has no view '{view}'."),
        };
        return result as HttpTriggerResponse ?? HttpTriggerResponse.Json(result, options: ConsoleViews.Json);
    }

    private static int Limit(string? text, int fallback) =>
        text is null ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 100_000 ? value
        : throw LlmOpsException.Invalid($"'{text}' is not a whole number from 1 to 100000.");

    private static T Read<T>(ReadOnlyMemory<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body.Span, JsonSerializerOptions.Web) ?? throw LlmOpsException.Invalid("The request body is empty: send a JSON object.");
        }
        catch (JsonException ex)
        {
            throw LlmOpsException.Invalid($"The request body is not the JSON expected: {ex.Message}");
        }
    }
}

/// <summary>A decision posted from the labeling page: the item's field gets these values, for this reason.</summary>
public sealed record AdjudicationRequest(string Project, string Item, string Field, IReadOnlyList<string> Values, string Reason);
