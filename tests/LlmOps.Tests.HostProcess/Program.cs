using Azure.Data.Tables;
using LlmOps.LocalHost;
using LlmOps.Tests.HostProcess;
using LlmOps.Triggers;
using Microsoft.Extensions.DependencyInjection;

// Arguments: <connection string> <container> <journal table> <host.json path>
if (args.Length != 4)
{
    await Console.Error.WriteLineAsync("usage: LlmOps.Tests.HostProcess <connection-string> <container> <journal-table> <host.json>");
    return 2;
}

var (connectionString, container, table, hostJson) = (args[0], args[1], args[2], args[3]);
var journal = new TableClient(connectionString, table);
await journal.CreateIfNotExistsAsync();
var settings = new LocalFunctionHostSettings
{
    Catalog = new FunctionCatalog([FunctionDefinition.Blob<JournalingBlobHandler>("Journal" + table, container + "/{name}")]),
    ConfigureServices = services => services.AddSingleton(journal),
};
settings.Configuration["LlmOps:Storage:ConnectionString"] = connectionString;
settings.Configuration["LlmOps:Host:HttpPort"] = "0";
settings.Configuration["LlmOps:Host:BlobPollInterval"] = "00:00:00.100";
settings.Configuration["LlmOps:Host:HostJsonPath"] = hostJson;
await using var host = LocalFunctionHost.Create(settings);
await host.RunAsync();
return 0;
