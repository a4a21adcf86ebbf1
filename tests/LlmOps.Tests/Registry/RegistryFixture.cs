using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Registry;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tracking;

namespace LlmOps.Tests.Registry;

/// <summary>Tracker, registry and lineage on the shared Azurite, with a unique model name per test.</summary>
public sealed class RegistryFixture : IDisposable
{
    public static readonly string GatedLifecycle = new LifecycleBuilder("gated")
        .Section("""
            gates:
              promote:
                - { metric: answer_accuracy, min: 0.7 }
                - { metric: latency_ms, max: 1500 }
            """)
        .Build();

    private RegistryFixture(StorageAccount storage)
    {
        Storage = storage;
        Lineage = new LineageStore(storage, TimeProvider.System);
        Tracker = new ExperimentTracker(storage, Lineage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), TimeProvider.System);
        Lifecycles = new LifecycleCatalog(storage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(storage, TimeProvider.System));
        Registry = new ModelRegistry(storage, Tracker, Lineage, Lifecycles, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), TimeProvider.System);
        Model = "model:m" + Guid.NewGuid().ToString("N")[..10];
    }

    public StorageAccount Storage { get; }

    public LineageStore Lineage { get; }

    public ExperimentTracker Tracker { get; }

    public LifecycleCatalog Lifecycles { get; }

    public ModelRegistry Registry { get; }

    public string Model { get; }

    public static async Task<RegistryFixture> CreateAsync() => new(await SharedAzurite.AccountAsync());

    /// <summary>A finished run that logged <paramref name="metrics"/>.</summary>
    public async Task<RunInfo> FinishedRunAsync(IReadOnlyDictionary<string, double> metrics, string experiment = "registry-tests")
    {
        var run = await Tracker.StartRunAsync(experiment);
        await Tracker.LogMetricsAsync(run.Id, metrics.Select(m => new MetricPoint(m.Key, m.Value, 0, DateTimeOffset.UtcNow)));
        return await Tracker.EndRunAsync(run.Id);
    }

    public void Dispose() => Lifecycles.Dispose();
}
