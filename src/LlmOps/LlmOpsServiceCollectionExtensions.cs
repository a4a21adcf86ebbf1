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
using LlmOps.Feedback;

namespace LlmOps;

/// <summary>Registers the LlmOps core: storage clients, the clock and every catalog handler.</summary>
public static class LlmOpsServiceCollectionExtensions
{
    public static IServiceCollection AddLlmOps(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.SectionName))
            .Validate(o => string.IsNullOrEmpty(o.Prefix) || StorageAccount.IsValidPrefix(o.Prefix), $"{StorageOptions.SectionName}:Prefix must be 1-12 lower-case letters and digits, starting with a letter.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => StorageConnection.Create(configuration, sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.TryAddSingleton<DeadLetters>();
        services.AddOptions<Governance.GovernanceOptions>().Bind(configuration.GetSection(Governance.GovernanceOptions.SectionName));
        services.TryAddSingleton<Governance.RoleStore>();
        services.TryAddSingleton<Governance.ApiKeyStore>();
        services.TryAddSingleton<Governance.AuditLog>();
        services.TryAddSingleton<Governance.ApprovalStore>();
        services.TryAddSingleton<Governance.SubjectHasher>();
        services.TryAddSingleton<Compliance.LegalHoldStore>();
        services.TryAddSingleton<Ingestion.SuppressionList>();
        services.TryAddSingleton<Compliance.ErasureRunner>();
        services.AddOptions<Compliance.RetentionOptions>()
            .Bind(configuration.GetSection(Compliance.RetentionOptions.SectionName))
            .Validate(o => new[] { o.RawDays, o.QuarantineDays, o.TracesDays, o.FeedbackDays, o.ReportsDays, o.TaskSetsDays }.All(d => d is >= 1 and <= Lifecycle.RetentionSettings.MaxDays), $"{Compliance.RetentionOptions.SectionName}: every ceiling must be from 1 to {Lifecycle.RetentionSettings.MaxDays} days.")
            .ValidateOnStart();
        services.TryAddSingleton<Cards.CardWriter>();
        services.TryAddSingleton(sp => new Governance.ChangeControl(
            sp.GetRequiredService<Governance.RoleStore>(), sp.GetRequiredService<Governance.AuditLog>(), sp.GetRequiredService<IOptions<Governance.GovernanceOptions>>(),
            sp.GetRequiredService<Governance.ApiKeyStore>(), sp.GetRequiredService<Governance.ApprovalStore>(), sp.GetRequiredService<TimeProvider>(), sp));
        services.AddSingleton<Governance.IChangeApplier>(sp => sp.GetRequiredService<ModelRegistry>());
        services.AddSingleton<Governance.IChangeApplier>(sp => sp.GetRequiredService<LifecycleCatalog>());
        services.TryAddSingleton<HttpCallers>();
        services.AddOptions<Notifications.NotificationOptions>()
            .Bind(configuration.GetSection(Notifications.NotificationOptions.SectionName))
            .Validate(o => o.MaxAttempts is >= 1 and <= 50, $"{Notifications.NotificationOptions.SectionName}:MaxAttempts must be from 1 to 50.")
            .Validate(o => o.FirstRetryDelay > TimeSpan.Zero && o.MaxRetryDelay >= o.FirstRetryDelay, $"{Notifications.NotificationOptions.SectionName}: FirstRetryDelay must be positive and at most MaxRetryDelay.")
            .ValidateOnStart();
        services.TryAddSingleton<Notifications.NotificationOutbox>();
        services.TryAddSingleton<IPoisonObserver, Notifications.PoisonNotifier>();
        services.TryAddSingleton<PoisonStore>();
        services.TryAddSingleton<Monitoring.OperationsStatus>();
        services.TryAddSingleton<LifecycleCatalog>();
        services.TryAddSingleton<Monitoring.ListenerStates>();
        services.TryAddSingleton<DropIngestor>();
        services.AddOptions<AzureOpenAIOptions>()
            .Bind(configuration.GetSection(AzureOpenAIOptions.SectionName))
            .Validate(o => o.Endpoint is null || (o.Endpoint.IsAbsoluteUri && o.Endpoint.Scheme is "https" or "http"), $"{AzureOpenAIOptions.SectionName}:Endpoint must be an absolute https URI, e.g. https://my-resource.openai.azure.com/.")
            .Validate(o => o.MaxRetries is >= 0 and <= 20, $"{AzureOpenAIOptions.SectionName}:MaxRetries must be from 0 to 20.")
            .Validate(o => o.NetworkTimeout > TimeSpan.Zero, $"{AzureOpenAIOptions.SectionName}:NetworkTimeout must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton<DatasetStore>();
        services.TryAddSingleton<EmbeddingIndexStore>();
        services.TryAddSingleton<EmbeddingGeneratorFactory>();
        services.AddOptions<AzureAISearchOptions>()
            .Bind(configuration.GetSection(AzureAISearchOptions.SectionName))
            .Validate(o => o.Endpoint is null || (o.Endpoint.IsAbsoluteUri && o.Endpoint.Scheme == "https"), $"{AzureAISearchOptions.SectionName}:Endpoint must be an absolute https URI, e.g. https://my-search.search.windows.net/.")
            .Validate(o => o.MaxRetries is >= 0 and <= 20, $"{AzureAISearchOptions.SectionName}:MaxRetries must be from 0 to 20.")
            .Validate(o => o.BatchSize is >= 1 and <= 1000, $"{AzureAISearchOptions.SectionName}:BatchSize must be from 1 to 1000 (the service's limit per request).")
            .Validate(o => System.Text.RegularExpressions.Regex.IsMatch(o.IndexPrefix, "^[a-z0-9][a-z0-9-]{0,39}$"), $"{AzureAISearchOptions.SectionName}:IndexPrefix must be 1 to 40 lower-case letters, digits and dashes.")
            .Validate(o => o.NetworkTimeout > TimeSpan.Zero, $"{AzureAISearchOptions.SectionName}:NetworkTimeout must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton<AzureAISearchStore>();
        services.TryAddSingleton<SearchIndexMirror>();
        services.TryAddSingleton<EmbeddingRefresher>();
        services.TryAddSingleton<SearchQueryLog>();
        services.TryAddSingleton<SemanticSearch>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IQualitySignalSource, RetrievalRelevanceSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IQualitySignalSource, Feedback.AnswerQualitySignal>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IQualitySignalSource, Feedback.CorrectionRateSignal>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IQualitySignalSource, Feedback.EscalationRateSignal>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IQualitySignalSource, Feedback.LatencyP95Signal>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IQualitySignalSource, Feedback.CostPerRequestSignal>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IQualitySignalSource, Feedback.SafetyFlagRateSignal>());
        services.TryAddSingleton<RetrievalEvaluator>();
        services.TryAddSingleton<Feedback.FeedbackStore>();
        services.TryAddSingleton<Feedback.FeedbackPartitions>();
        services.TryAddSingleton<Feedback.FeedbackIngestor>();
        services.TryAddSingleton<Feedback.BudgetTracker>();
        services.TryAddSingleton<Feedback.FeedbackAnalytics>();
        services.TryAddSingleton<EvaluationSets>();
        services.TryAddSingleton<EvaluationRunner>();
        services.TryAddSingleton<ChatClientFactory>();
        services.TryAddSingleton<ReleaseGateCheck>();
        services.TryAddSingleton<CanaryCheck>();
        services.TryAddSingleton<LineageStore>();
        services.TryAddSingleton<WebConsole.ConsoleViews>();
        services.TryAddSingleton<WebConsole.ConsolePage>();
        services.TryAddSingleton<Registry.PromptResolveEndpoint>();
        services.TryAddSingleton<Guardrails.GuardEndpoint>();
        services.TryAddSingleton<DriftHistory>();
        services.TryAddSingleton<DriftActionLog>();
        services.TryAddSingleton<DriftScheduleStore>();
        services.TryAddSingleton<DriftChecker>();
        services.TryAddSingleton<ExperimentTracker>();
        services.TryAddSingleton<ModelRegistry>();
        services.TryAddSingleton<LlmOps.Labeling.LabelQualityCheck>();
        foreach (var function in TriggerCatalog.All)
        {
            services.TryAddTransient(function.HandlerType);
        }

        return services;
    }
}
