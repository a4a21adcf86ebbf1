using System.Globalization;
using LlmOps.Errors;
using LlmOps.Triggers;

namespace LlmOps.Lineage;

/// <summary>GET /api/lineage/{id}?direction=up|down|both&amp;depth=N&amp;format=json|mermaid|text|openlineage.</summary>
public sealed class LineageEndpoint(LineageStore lineage, Governance.ChangeControl governance) : IHttpTriggerHandler
{
    public const int DefaultDepth = 6;

    public async Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        await governance.DemandReadAsync(null, "read lineage", cancellationToken);
        ArgumentNullException.ThrowIfNull(request);
        var id = Uri.UnescapeDataString(request.RouteValues.GetValueOrDefault("id") ?? "");
        var direction = request.Query.GetValueOrDefault("direction")?.ToUpperInvariant() switch
        {
            null or "" or "BOTH" => LineageDirection.Both,
            "UP" or "UPSTREAM" => LineageDirection.Upstream,
            "DOWN" or "DOWNSTREAM" => LineageDirection.Downstream,
            _ => (LineageDirection?)null,
        };
        if (direction is null)
        {
            throw LlmOpsException.Invalid("direction must be up, down or both.");
        }

        var depth = DefaultDepth;
        if (request.Query.GetValueOrDefault("depth") is { Length: > 0 } depthText
            && (!int.TryParse(depthText, NumberStyles.None, CultureInfo.InvariantCulture, out depth) || depth is < 1 or > LineageStore.MaxDepth))
        {
            throw LlmOpsException.Invalid($"depth must be a whole number from 1 to {LineageStore.MaxDepth}.");
        }

        if (!LineageWriter.TryParseFormat(request.Query.GetValueOrDefault("format") is { Length: > 0 } f ? f : "json", out var format))
        {
            throw LlmOpsException.Invalid("format must be json, mermaid, text or openlineage.");
        }

        var graph = await lineage.QueryAsync(id, direction.Value, depth, cancellationToken);
        if (!graph.Found)
        {
            throw LlmOpsException.NotFound($"Nothing in the lineage graph is called '{id}'.");
        }

        return format switch
        {
            LineageFormat.Json => HttpTriggerResponse.Json(graph),
            LineageFormat.OpenLineage => new HttpTriggerResponse(200, "application/x-ndjson; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(LineageWriter.Write(graph, format))),
            _ => HttpTriggerResponse.Text(LineageWriter.Write(graph, format)),
        };
    }
}
