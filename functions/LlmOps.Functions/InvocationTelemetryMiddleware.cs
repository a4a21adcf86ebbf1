using System.Diagnostics;
using System.Globalization;
using LlmOps.Telemetry;
using LlmOps.Triggers;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace LlmOps.Functions;

/// <summary>
/// Every invocation the worker runs gets its <see cref="InvocationTelemetry"/> span and metrics, under the Functions
/// host's trace context (in Azure and under the local host alike). What it records lives in src/LlmOps.
/// </summary>
internal sealed class InvocationTelemetryMiddleware : IFunctionsWorkerMiddleware
{
    private static readonly Dictionary<string, TriggerKind> Triggers = TriggerCatalog.All.ToDictionary(f => f.Name, f => f.Kind, StringComparer.Ordinal);

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var name = context.FunctionDefinition.Name;
        var trigger = Triggers.GetValueOrDefault(name, TriggerKind.Http);
        var data = context.BindingContext.BindingData;
        var inputId = trigger switch
        {
            TriggerKind.Blob => Text(data, "BlobTrigger") ?? Text(data, "name"),
            TriggerKind.Queue => Text(data, "Id"),
            _ => null,
        };
        var attempt = long.TryParse(Text(data, "DequeueCount"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var dequeued) ? dequeued : 1;
        // Under the worker's own invocation activity when its OpenTelemetry defaults made one, else under the host's.
        var parent = Activity.Current is null && ActivityContext.TryParse(context.TraceContext.TraceParent, context.TraceContext.TraceState, out var host) ? host : default;
        using var invocation = InvocationTelemetry.Start(name, trigger, inputId, attempt, InvocationTelemetry.Worker, parent: parent, invocationId: context.InvocationId);
        try
        {
            await next(context);
            // An HTTP function returns its result, which the ASP.NET Core integration writes after this returns.
            if (trigger == TriggerKind.Http && context.GetInvocationResult().Value is IStatusCodeActionResult { StatusCode: { } status })
            {
                invocation.Responded(status);
            }
            else
            {
                invocation.Succeeded();
            }
        }
        catch (Exception ex)
        {
            invocation.Failed(ex);
            throw;
        }
    }

    private static string? Text(IReadOnlyDictionary<string, object?> data, string key) =>
        data.TryGetValue(key, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture)?.Trim('"') : null;
}
