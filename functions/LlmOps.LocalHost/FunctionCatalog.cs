using LlmOps.Triggers;

namespace LlmOps.LocalHost;

/// <summary>The functions one host instance runs: the product catalog, or a test's own.</summary>
public sealed record FunctionCatalog(IReadOnlyList<FunctionDefinition> Functions)
{
    public static FunctionCatalog Product { get; } = new(TriggerCatalog.All);
}
