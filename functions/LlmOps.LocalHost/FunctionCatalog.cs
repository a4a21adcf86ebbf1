using LlmOps.Triggers;

namespace LlmOps.LocalHost;

/// <summary>
/// The functions one host instance runs: the product catalog, or a test's own. <see cref="InWorker"/> says which run in
/// the Functions worker process (by default the product's, which functions/LlmOps.Functions has an adapter for); the
/// others run their handler in the host's process. Health is the host's own probe: it reports the host's listeners and
/// the worker, which live here, so it answers (503) while the worker is down.
/// </summary>
public sealed record FunctionCatalog(IReadOnlyList<FunctionDefinition> Functions)
{
    public static FunctionCatalog Product { get; } = new(TriggerCatalog.All);

    public Func<FunctionDefinition, bool> InWorker { get; init; } = static f => TriggerCatalog.All.Contains(f) && f.Name != TriggerCatalog.Health;
}
