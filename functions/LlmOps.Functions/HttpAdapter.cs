using System.Globalization;
using LlmOps.Governance;
using LlmOps.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Functions;

/// <summary>Turns an ASP.NET Core request into the handler's plain request, and its response back.</summary>
internal static class HttpAdapter
{
    public static async Task<IActionResult> InvokeAsync(IHttpTriggerHandler handler, HttpRequest request, CancellationToken cancellationToken)
    {
        // Sized from Content-Length, and handed on without a copy: a large body is not grown and copied three times.
        var body = new MemoryStream(request.ContentLength is { } length and > 0 and <= int.MaxValue ? (int)length : 0);
        await request.Body.CopyToAsync(body, cancellationToken);
        var callers = request.HttpContext.RequestServices.GetRequiredService<HttpCallers>();
        var response = await callers.InvokeAsync(
            handler,
            new HttpTriggerRequest(
                request.Method,
                request.Path.Value ?? "/",
                request.RouteValues.ToDictionary(r => r.Key, r => Convert.ToString(r.Value, CultureInfo.InvariantCulture) ?? "", StringComparer.OrdinalIgnoreCase),
                request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body.GetBuffer().AsMemory(0, (int)body.Length),
                request.ContentType,
                request.Headers.ContentEncoding.FirstOrDefault(),
                request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)),
            cancellationToken);
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
            foreach (var (name, value) in response.Headers)
            {
                context.HttpContext.Response.Headers[name] = value;
            }

            if (!response.Body.IsEmpty)
            {
                await context.HttpContext.Response.Body.WriteAsync(response.Body, context.HttpContext.RequestAborted);
            }
        }
    }
}
