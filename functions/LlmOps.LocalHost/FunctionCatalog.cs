using LlmOps.Triggers;

namespace LlmOps.LocalHost;

/// <summary>
/// The functions one host instance runs: the product catalog, or a test's own. <see cref="InWorker"/> says which run in
/// the Functions worker process (by default the product's, which functions/LlmOps.Functions has an adapter for); the
/// others run their handler in the host's process.
/// </summary>
public sealed record FunctionCatalog(IReadOnlyList<FunctionDefinition> Functions)
{
    public static FunctionCatalog Product { get; } = new(TriggerCatalog.All);

    public Func<FunctionDefinition, bool> InWorker { get; init; } = static f => TriggerCatalog.All.Contains(f);
}
