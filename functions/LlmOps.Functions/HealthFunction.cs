using LlmOps.Monitoring;
using LlmOps.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class HealthFunction(HealthEndpoint handler)
{
    [Function(TriggerCatalog.Health)]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request, CancellationToken cancellationToken) =>
        HttpAdapter.InvokeAsync(handler, request, cancellationToken);
}
