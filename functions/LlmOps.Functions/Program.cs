using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using LlmOps;
using LlmOps.Functions;
using LlmOps.Monitoring;
using LlmOps.Storage;
using LlmOps.Telemetry;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<InvocationTelemetryMiddleware>();
builder.Services.AddLlmOps(builder.Configuration);
HostStatusPublisher.Register(builder.Services, builder.Configuration, InvocationTelemetry.Worker);

// Telemetry: Azure Monitor where App Insights is wired (Bicep sets its connection string and, for the app's identity,
// its authentication string); OTLP or the console where LlmOps:Telemetry or OTEL_* asks for them.
var insights = builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
builder.Services.AddLlmOpsTelemetry(builder.Configuration, "llmops-functions", force: !string.IsNullOrEmpty(insights), configure: otel =>
{
    otel.UseFunctionsWorkerDefaults();
    if (!string.IsNullOrEmpty(insights))
    {
        otel.UseAzureMonitorExporter(o =>
        {
            o.ConnectionString = insights;
            if (ManagedIdentityClientId(builder.Configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]) is { } clientId)
            {
                o.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
            }
        });
    }
});

var app = builder.Build();
try
{
    // Every container, queue and table, once per worker start (Bicep creates them too; this finds them there).
    await StorageProvisioner.EnsureAsync(app.Services.GetRequiredService<StorageAccount>());
}
catch (Azure.RequestFailedException ex)
{
    // Without data-plane rights to create them: handlers that need a missing one fail and are retried meanwhile.
    Console.Error.WriteLine($"Storage provisioning failed ({ex.Status} {ex.ErrorCode}); continuing with what exists.");
}

await app.RunAsync();

// "ClientId=<guid>;Authorization=AAD", as the Functions host reads it: the identity that sends to App Insights.
static string? ManagedIdentityClientId(string? authentication) =>
    authentication?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(part => part.Split('=', 2))
        .FirstOrDefault(kv => kv.Length == 2 && kv[0].Equals("ClientId", StringComparison.OrdinalIgnoreCase))?[1];
