namespace LlmOps.Triggers;

/// <summary>Handles one HTTP request that passed the function's key check.</summary>
public interface IHttpTriggerHandler
{
    Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken);
}
