using LlmOps;
using LlmOps.Storage;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddLlmOps(builder.Configuration);
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
