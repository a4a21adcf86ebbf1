namespace LlmOps.Tests.EndToEnd;

/// <summary>
/// Tests that run the product catalog share its fixed names (raw, drops, Heartbeat): they run one at a time. The
/// notebook kernels' tests are here too: their restores share one NuGet packages folder.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ProductCatalogCollection
{
    public const string Name = "Product catalog";
}
