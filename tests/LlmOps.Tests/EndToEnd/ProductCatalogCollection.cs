namespace LlmOps.Tests.EndToEnd;

/// <summary>Tests that run the product catalog share its fixed names (raw, drops, Heartbeat): they run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ProductCatalogCollection
{
    public const string Name = "Product catalog";
}
