using System.Globalization;
using LlmOps.Benchmarks;
using LlmOps.Storage;

// Usage: dotnet run -c Release --project tests/LlmOps.Benchmarks [-- --drops 200 --backlog 1000 --upload-parallelism 8]
var drops = Argument("--drops", 200);
var backlog = Argument("--backlog", 1000);
var parallelism = Argument("--upload-parallelism", 8);

await using var azurite = await AzuriteServer.StartAsync(new AzuriteOptions { Progress = Console.WriteLine });
var results = await BlobTriggerBenchmark.RunAsync(azurite, drops, backlog, parallelism);
Console.WriteLine();
Console.WriteLine($"| Local host blob trigger ({Environment.ProcessorCount} cores, Azurite in memory) | Value |");
Console.WriteLine("|---|---|");
foreach (var (metric, value) in results)
{
    Console.WriteLine($"| {metric} | {value} |");
}

return 0;

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
