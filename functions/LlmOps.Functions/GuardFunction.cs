using LlmOps.Guardrails;
using LlmOps.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class GuardFunction(GuardEndpoint handler)
{
    [Function(TriggerCatalog.Guard)]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Function, "post", Route = "guard")] HttpRequest request, CancellationToken cancellationToken) =>
        HttpAdapter.InvokeAsync(handler, request, cancellationToken);
}
