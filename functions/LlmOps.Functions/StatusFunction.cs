using LlmOps.Monitoring;
using LlmOps.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class StatusFunction(StatusEndpoint handler)
{
    [Function(TriggerCatalog.Status)]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "status")] HttpRequest request, CancellationToken cancellationToken) =>
        HttpAdapter.InvokeAsync(handler, request, cancellationToken);
}
