using LlmOps.Registry;
using LlmOps.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class ResolvePromptFunction(PromptResolveEndpoint handler)
{
    [Function(TriggerCatalog.ResolvePrompt)]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "prompts/{name}/resolve")] HttpRequest request, CancellationToken cancellationToken) =>
        HttpAdapter.InvokeAsync(handler, request, cancellationToken);
}
