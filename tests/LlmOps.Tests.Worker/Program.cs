using LlmOps.Tests.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddSingleton(new ProbeJournal(builder.Configuration["AzureWebJobsStorage"]!, builder.Configuration["LlmOps:Storage:Prefix"] ?? ""));
await builder.Build().RunAsync();
