using LlmOps.Labeling;
using LlmOps.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class LabelingFunction(LabelingEndpoint handler)
{
    [Function(TriggerCatalog.Labeling)]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "labeling/{project}")] HttpRequest request, CancellationToken cancellationToken) =>
        HttpAdapter.InvokeAsync(handler, request, cancellationToken);
}
