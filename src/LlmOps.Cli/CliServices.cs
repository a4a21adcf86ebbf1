using LlmOps.Datasets;
using LlmOps.Embeddings;
using LlmOps.Evaluation;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Registry;
using LlmOps.Storage;
using LlmOps.Tracking;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>The services one command needs on one storage account, and the clear-error wrapper every command runs in.</summary>
internal sealed class CliServices : IDisposable
{
    public CliServices(string connectionString)
    {
        Storage = new StorageAccount(connectionString);
        Lineage = new LineageStore(Storage, TimeProvider.System);
        Tracker = new ExperimentTracker(Storage, Lineage, TimeProvider.System);
        Lifecycles = new LifecycleCatalog(Storage);
        Registry = new ModelRegistry(Storage, Tracker, Lineage, Lifecycles, TimeProvider.System);
        Datasets = new DatasetStore(Storage);
        Indexes = new EmbeddingIndexStore(Storage);

        // The Azure OpenAI provider is configured as in the function app: LlmOps__AzureOpenAI__Endpoint and __ApiKey.
        var azure = new AzureOpenAIOptions();
        new ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection(AzureOpenAIOptions.SectionName).Bind(azure);
        Generators = new EmbeddingGeneratorFactory(Options.Create(azure));
        Refresher = new EmbeddingRefresher(Datasets, Indexes, Lifecycles, Generators, Lineage, TimeProvider.System, NullLogger<EmbeddingRefresher>.Instance);
        Search = new SemanticSearch(Indexes, Lifecycles, Generators);
        Evaluator = new RetrievalEvaluator(Search, Tracker);
    }

    public DatasetStore Datasets { get; }

    public EmbeddingIndexStore Indexes { get; }

    public EmbeddingGeneratorFactory Generators { get; }

    public EmbeddingRefresher Refresher { get; }

    public SemanticSearch Search { get; }

    public RetrievalEvaluator Evaluator { get; }

    public StorageAccount Storage { get; }

    public LineageStore Lineage { get; }

    public ExperimentTracker Tracker { get; }

    public LifecycleCatalog Lifecycles { get; }

    public ModelRegistry Registry { get; }

    /// <summary>Runs a command body; a user error (unknown id, bad name, conflict, refused gate) prints in red and exits 1.</summary>
    public static async Task<int> RunAsync(IAnsiConsole console, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception ex) when (ex is KeyNotFoundException or FormatException or ArgumentException or InvalidOperationException
            or RegistryConflictException or PromotionRefusedException or LifecycleValidationException or FileNotFoundException)
        {
            console.MarkupLineInterpolated($"[red]{ex.Message}[/]");
            return 1;
        }
    }

    public void Dispose()
    {
        Search.Dispose();
        Lifecycles.Dispose();
    }
}
