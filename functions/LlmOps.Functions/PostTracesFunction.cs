using LlmOps.Feedback;
using LlmOps.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class PostTracesFunction(TracesEndpoint handler)
{
    [Function(TriggerCatalog.PostTraces)]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Function, "post", Route = "traces")] HttpRequest request, CancellationToken cancellationToken) =>
        HttpAdapter.InvokeAsync(handler, request, cancellationToken);
}
