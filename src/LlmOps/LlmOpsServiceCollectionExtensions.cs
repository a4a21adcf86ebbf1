using LlmOps.Datasets;
using LlmOps.Drift;
using LlmOps.Embeddings;
using LlmOps.Evaluation;
using LlmOps.Ingestion;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Registry;
using LlmOps.Storage;
using LlmOps.Tracking;
using LlmOps.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LlmOps;

/// <summary>Registers the LlmOps core: storage clients, the clock and every catalog handler.</summary>
public static class LlmOpsServiceCollectionExtensions
{
    public static IServiceCollection AddLlmOps(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => StorageConnection.Create(configuration, sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.TryAddSingleton<DeadLetters>();
        services.TryAddSingleton<LifecycleCatalog>();
        services.TryAddSingleton<Monitoring.ListenerStates>();
        services.TryAddSingleton<DropIngestor>();
        services.AddOptions<AzureOpenAIOptions>().Bind(configuration.GetSection(AzureOpenAIOptions.SectionName));
        services.TryAddSingleton<DatasetStore>();
        services.TryAddSingleton<EmbeddingIndexStore>();
        services.TryAddSingleton<EmbeddingGeneratorFactory>();
        services.TryAddSingleton<EmbeddingRefresher>();
        services.TryAddSingleton<SearchQueryLog>();
        services.TryAddSingleton<SemanticSearch>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IQualitySignalSource, RetrievalRelevanceSource>());
        services.TryAddSingleton<RetrievalEvaluator>();
        services.TryAddSingleton<LineageStore>();
        services.TryAddSingleton<DriftHistory>();
        services.TryAddSingleton<DriftActionLog>();
        services.TryAddSingleton<DriftScheduleStore>();
        services.TryAddSingleton<DriftChecker>();
        services.TryAddSingleton<ExperimentTracker>();
        services.TryAddSingleton<ModelRegistry>();
        foreach (var function in TriggerCatalog.All)
        {
            services.TryAddTransient(function.HandlerType);
        }

        return services;
    }
}
