using LlmOps.Feedback;
using LlmOps.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class PostScoresFunction(ScoresEndpoint handler)
{
    [Function(TriggerCatalog.PostScores)]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Function, "post", Route = "scores")] HttpRequest request, CancellationToken cancellationToken) =>
        HttpAdapter.InvokeAsync(handler, request, cancellationToken);
}
