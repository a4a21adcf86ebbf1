using Azure.Data.Tables;
using LlmOps;
using LlmOps.Ingestion;
using LlmOps.LocalHost;
using LlmOps.Tests.HostProcess;
using LlmOps.Triggers;
using Microsoft.Extensions.DependencyInjection;

// Arguments: <connection string> <container> <journal table> <host.json path>: a blob host whose handler journals each run.
//            feedback <connection string> <storage prefix> <journal table> <function key>: POST /api/traces with a kill point;
//            prints "listening <address>" once it answers.
//            ingest <connection string> <storage prefix> <journal table> <shard> <host.json path>: the blob trigger and
//            the shard function; the first attempt at <shard> journals this process and hangs (a test kills it there).
if (args is ["feedback", var storage, var prefix, var journalTable, var key])
{
    var feedbackJournal = new TableClient(storage, journalTable);
    await feedbackJournal.CreateIfNotExistsAsync();
    var feedback = new LocalFunctionHostSettings
    {
        Catalog = new FunctionCatalog([FunctionDefinition.Http<KillPointTracesEndpoint>(TriggerCatalog.PostTraces, "traces", FunctionAuthLevel.Function, "POST")]),
        ConfigureServices = services => services.AddSingleton(feedbackJournal),
    };
    feedback.Configuration["LlmOps:Storage:ConnectionString"] = storage;
    feedback.Configuration["LlmOps:Storage:Prefix"] = prefix;
    feedback.Configuration["LlmOps:Host:HttpPort"] = "0";
    feedback.Configuration["LlmOps:Host:FunctionKey"] = key;
    await using var feedbackHost = LocalFunctionHost.Create(feedback);
    await feedbackHost.StartAsync();
    Console.WriteLine($"listening {feedbackHost.HttpAddress}");
    await Task.Delay(Timeout.Infinite);
    return 0;
}

if (args is ["ingest", var ingestStorage, var ingestPrefix, var ingestJournalTable, var hangText, var ingestHostJson])
{
    var hangJournal = new TableClient(ingestStorage, ingestJournalTable);
    await hangJournal.CreateIfNotExistsAsync();
    var hang = int.Parse(hangText, System.Globalization.CultureInfo.InvariantCulture);
    var ingest = new LocalFunctionHostSettings
    {
        // In this process, not the Functions worker: the hang is this process's, and killing it kills the shard's run.
        Catalog = new FunctionCatalog([.. TriggerCatalog.All.Where(f => f.Name is TriggerCatalog.IngestDrop or TriggerCatalog.IngestShard)]) { InWorker = _ => false },
        ConfigureServices = services => services.AddSingleton(provider =>
        {
            var ingestor = ActivatorUtilities.CreateInstance<DropIngestor>(provider);
            ingestor.ShardMidway = async (task, attempt) =>
            {
                if (task.Shard == hang && attempt == 1)
                {
                    await hangJournal.AddEntityAsync(new TableEntity("hang", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    await Task.Delay(Timeout.Infinite);
                }
            };
            return ingestor;
        }),
    };
    ingest.Configuration["LlmOps:Storage:ConnectionString"] = ingestStorage;
    ingest.Configuration["LlmOps:Storage:Prefix"] = ingestPrefix;
    ingest.Configuration["LlmOps:Host:HttpPort"] = "0";
    ingest.Configuration["LlmOps:Host:BlobPollInterval"] = "00:00:00.200";
    ingest.Configuration["LlmOps:Host:QueueProcessingVisibility"] = "00:00:05";
    ingest.Configuration["LlmOps:Host:HostJsonPath"] = ingestHostJson;
    await using var ingestHost = LocalFunctionHost.Create(ingest);
    await ingestHost.RunAsync();
    return 0;
}

if (args.Length != 4)
{
    await Console.Error.WriteLineAsync("usage: LlmOps.Tests.HostProcess <connection-string> <container> <journal-table> <host.json>");
    await Console.Error.WriteLineAsync("       LlmOps.Tests.HostProcess feedback <connection-string> <storage-prefix> <journal-table> <function-key>");
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
