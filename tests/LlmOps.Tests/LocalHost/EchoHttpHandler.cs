using System.Text;
using LlmOps.Triggers;

namespace LlmOps.Tests.LocalHost;

public sealed class EchoHttpHandler : IHttpTriggerHandler
{
    public Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(HttpTriggerResponse.Text(
            $"{request.Method} {request.RouteValues.GetValueOrDefault("id")} {Encoding.UTF8.GetString(request.Body.Span)}"));
}
