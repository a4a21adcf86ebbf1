using LlmOps.Governance;
using LlmOps.Triggers;
using LlmOps.LocalHost.Worker;
using LlmOps.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost;

/// <summary>
/// Maps each HTTP function under <c>/api/{route}</c> with the Functions host's key check
/// (<c>x-functions-key</c> header or <c>code</c> query) and RFC 9457 problem details for errors.
/// </summary>
public static class HttpTriggerEndpoints
{
    public const string KeyHeader = "x-functions-key";
    public const string KeyQuery = "code";

    public static void Map(IEndpointRouteBuilder endpoints, IEnumerable<FunctionDefinition> functions)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(functions);
        foreach (var function in functions.Where(f => f.Kind == TriggerKind.Http))
        {
            endpoints.MapMethods("/api/" + function.Target.TrimStart('/'), function.Methods, context => InvokeAsync(function, context))
                .WithName(function.Name);
        }
    }

    private static async Task InvokeAsync(FunctionDefinition function, HttpContext context)
    {
        var services = context.RequestServices;
        var cancellationToken = context.RequestAborted;
        var keys = services.GetRequiredService<FunctionKeyStore>();
        var presented = context.Request.Headers[KeyHeader].FirstOrDefault() ?? context.Request.Query[KeyQuery].FirstOrDefault()
            ?? context.Request.Headers[HttpCallers.KeyHeader].FirstOrDefault();
        if (!await keys.IsAuthorizedAsync(function.AuthLevel, presented, cancellationToken))
        {
            var detail = string.IsNullOrEmpty(presented)
                ? $"This route needs a key ({function.AuthLevel} level): send it in the {KeyHeader} header or the {KeyQuery} query parameter."
                : $"The key does not open this route ({function.AuthLevel} level).";
            await WriteAsync(context, HttpTriggerResponse.Problem(StatusCodes.Status401Unauthorized, "Unauthorized", detail));
            return;
        }

        var worker = services.GetService<FunctionWorker>() is { } w && w.Runs(function) ? w : null;
        using var invocation = InvocationTelemetry.Start(function.Name, TriggerKind.Http, context.Request.Path.Value, 1, InvocationTelemetry.LocalHost, recordsMetrics: worker is null);
        if (worker is not null)
        {
            await ProxyAsync(worker, function, context);
        }
        else
        {
            await RunInProcessAsync(function, context);
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            invocation.Responded(context.Response.StatusCode);
        }
    }

    private static async Task RunInProcessAsync(FunctionDefinition function, HttpContext context)
    {
        var services = context.RequestServices;
        var cancellationToken = context.RequestAborted;
        HttpTriggerResponse response;
        try
        {
            var body = await ReadBodyAsync(context.Request, cancellationToken);
            var request = new HttpTriggerRequest(
                context.Request.Method,
                context.Request.Path.Value ?? "/",
                context.Request.RouteValues.ToDictionary(r => r.Key, r => Convert.ToString(r.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "", StringComparer.OrdinalIgnoreCase),
                context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body,
                context.Request.ContentType,
                context.Request.Headers.ContentEncoding.FirstOrDefault(),
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
            var handler = (IHttpTriggerHandler)ActivatorUtilities.GetServiceOrCreateInstance(services, function.HandlerType);
            response = await services.GetRequiredService<HttpCallers>().InvokeAsync(handler, request, cancellationToken);
        }
        catch (BadHttpRequestException ex)
        {
            response = HttpTriggerResponse.Problem(ex.StatusCode, ex.StatusCode == 413 ? "Request body too large" : "Bad request", ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HttpTriggerEndpoints))
                .LogError(ex, "HTTP function {Function} failed", function.Name);
            response = HttpTriggerResponse.Problem(StatusCodes.Status500InternalServerError, "Function failed", $"{function.Name} failed; see the host log (trace {context.TraceIdentifier}).");
        }

        await WriteAsync(context, response);
    }

    /// <summary>Runs the function in the worker: the request goes to the worker's own HTTP endpoint, its answer back as it is.</summary>
    private static async Task ProxyAsync(FunctionWorker worker, FunctionDefinition function, HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        try
        {
            var body = await ReadBodyAsync(context.Request, cancellationToken);
            using var proxied = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(WorkerBase, context.Request.Path.Value + context.Request.QueryString.Value))
            {
                Content = new ReadOnlyMemoryContent(body),
            };
            foreach (var (name, values) in context.Request.Headers)
            {
                if (HopByHop.Contains(name))
                {
                    continue;
                }

                if (!proxied.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                {
                    proxied.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
                }
            }

            using var answer = await worker.InvokeHttpAsync(function, proxied, cancellationToken);
            context.Response.StatusCode = (int)answer.StatusCode;
            foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers).Where(h => !HopByHop.Contains(h.Key)))
            {
                context.Response.Headers[name] = values.ToArray();
            }

            context.Response.Headers.ContentLength = null;
            await answer.Content.CopyToAsync(context.Response.Body, cancellationToken);
        }
        catch (BadHttpRequestException ex)
        {
            await WriteAsync(context, HttpTriggerResponse.Problem(ex.StatusCode, ex.StatusCode == 413 ? "Request body too large" : "Bad request", ex.Message));
        }
        catch (WorkerUnavailableException ex)
        {
            await WriteAsync(context, HttpTriggerResponse.Problem(StatusCodes.Status503ServiceUnavailable, "Functions worker unavailable", ex.Message));
        }
        catch (FunctionInvocationException ex)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HttpTriggerEndpoints))
                .LogError(ex, "HTTP function {Function} failed", function.Name);
            await WriteAsync(context, HttpTriggerResponse.Problem(StatusCodes.Status500InternalServerError, "Function failed", $"{function.Name} failed; see the host log (trace {context.TraceIdentifier})."));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Headers of one connection, not of the request: the body is sent whole, with its own length.</summary>
    private static readonly HashSet<string> HopByHop = new(["Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Content-Length", "TE", "Trailer", "Proxy-Connection"], StringComparer.OrdinalIgnoreCase);

    /// <summary>A placeholder base address: the worker's own address is put in its place when the request is sent.</summary>
    private static readonly Uri WorkerBase = new("http://worker/");

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // Sized from Content-Length, and handed on without a copy: a large body is not grown and copied three times.
        var buffer = new MemoryStream(request.ContentLength is { } length and > 0 and <= int.MaxValue ? (int)length : 0);
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static async Task WriteAsync(HttpContext context, HttpTriggerResponse response)
    {
        context.Response.StatusCode = response.StatusCode;
        context.Response.ContentType = response.ContentType;
        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        // A 304 (a poll whose ETag still holds) has no body, and Kestrel refuses even an empty write for it.
        if (!response.Body.IsEmpty)
        {
            await context.Response.Body.WriteAsync(response.Body, context.RequestAborted);
        }
    }
}
