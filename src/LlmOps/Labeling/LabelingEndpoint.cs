using LlmOps.Errors;
using LlmOps.Triggers;

namespace LlmOps.Labeling;

/// <summary>GET /api/labeling/{project}?format=json|html: the project's latest QA report.</summary>
public sealed class LabelingEndpoint(LabelQualityCheck qa, Governance.ChangeControl governance) : IHttpTriggerHandler
{
    public async Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        await governance.DemandReadAsync(null, "read a labeling report", cancellationToken);
        ArgumentNullException.ThrowIfNull(request);
        var project = Uri.UnescapeDataString(request.RouteValues.GetValueOrDefault("project") ?? "");
        var format = request.Query.GetValueOrDefault("format") is { Length: > 0 } f ? f : "json";
        if (format is not ("json" or "html"))
        {
            throw LlmOpsException.Invalid("format must be json or html.");
        }

        var report = await qa.RequireLatestAsync(project, format == "html", cancellationToken);
        return new HttpTriggerResponse(200, format == "html" ? "text/html; charset=utf-8" : "application/json; charset=utf-8", report.ToMemory());
    }
}
