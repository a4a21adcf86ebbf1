using System.Globalization;
using LlmOps.Errors;
using LlmOps.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace LlmOps.Functions;

/// <summary>Turns an ASP.NET Core request into the handler's plain request, and its response back.</summary>
internal static class HttpAdapter
{
    public static async Task<IActionResult> InvokeAsync(IHttpTriggerHandler handler, HttpRequest request, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        HttpTriggerResponse response;
        try
        {
            response = await handler.HandleAsync(
                new HttpTriggerRequest(
                    request.Method,
                    request.Path.Value ?? "/",
                    request.RouteValues.ToDictionary(r => r.Key, r => Convert.ToString(r.Value, CultureInfo.InvariantCulture) ?? "", StringComparer.OrdinalIgnoreCase),
                    request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                    body.ToArray(),
                    request.ContentType,
                    request.Headers.ContentEncoding.FirstOrDefault()),
                cancellationToken);
        }
        catch (LlmOpsException ex)
        {
            // The same problem details the local host answers with (ErrorMapping is the one place codes become statuses).
            response = ErrorMapping.Problem(ex);
        }

        return new HandlerResult(response);
    }

    /// <summary>Written after the invocation returns; its status is known before (the invocation's telemetry reads it).</summary>
    private sealed class HandlerResult(HttpTriggerResponse response) : IActionResult, Microsoft.AspNetCore.Mvc.Infrastructure.IStatusCodeActionResult
    {
        public int? StatusCode => response.StatusCode;

        public async Task ExecuteResultAsync(ActionContext context)
        {
            context.HttpContext.Response.StatusCode = response.StatusCode;
            context.HttpContext.Response.ContentType = response.ContentType;
            await context.HttpContext.Response.Body.WriteAsync(response.Body, context.HttpContext.RequestAborted);
        }
    }
}
