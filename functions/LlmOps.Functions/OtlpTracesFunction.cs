using LlmOps.Feedback.Otlp;
using LlmOps.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class OtlpTracesFunction(OtlpTracesEndpoint handler)
{
    [Function(TriggerCatalog.OtlpTraces)]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Function, "post", Route = "v1/traces")] HttpRequest request, CancellationToken cancellationToken) =>
        HttpAdapter.InvokeAsync(handler, request, cancellationToken);
}
