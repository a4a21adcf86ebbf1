using LlmOps.Triggers;

namespace LlmOps.Tests.Functions;

public sealed class CatalogParityTests
{
    private static readonly Lazy<IReadOnlyList<FunctionAdapter>> Adapters = new(() =>
        FunctionAdapterReader.Read(FunctionsCompileCheck.Compile(FunctionsCompileCheck.ReadFunctionSources()).Compilation));

    public static TheoryData<string> CatalogNames() => new(TriggerCatalog.All.Select(f => f.Name));

    [Theory]
    [MemberData(nameof(CatalogNames))]
    public void CatalogEntry_HasExactlyOneMatchingAdapter(string name)
    {
        var entry = TriggerCatalog.All.Single(f => f.Name == name);
        var adapter = Assert.Single(Adapters.Value, a => a.Name == name);

        Assert.Equal(entry.Kind, adapter.Kind);
        Assert.Equal(entry.Target, adapter.Target);
        Assert.Contains(entry.HandlerType.FullName!, adapter.InjectedTypes);
        switch (entry.Kind)
        {
            case TriggerKind.Blob:
                Assert.Equal("EventGrid", adapter.BlobSource);
                break;
            case TriggerKind.Http:
                Assert.Equal(entry.AuthLevel, adapter.AuthLevel);
                Assert.Equal(entry.Methods.Order(), adapter.Methods.Order());
                break;
        }
    }

    [Fact]
    public void EveryAdapter_IsInTheCatalog()
    {
        var names = TriggerCatalog.All.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(Adapters.Value, a => Assert.True(names.Contains(a.Name), $"{a.File}: [Function(\"{a.Name}\")] has no catalog entry."));
        Assert.Equal(TriggerCatalog.All.Count, Adapters.Value.Count);
    }

    [Fact]
    public void Reader_SeesAChangedQueueName_AsADifferentTarget()
    {
        var sources = FunctionsCompileCheck.ReadFunctionSources().ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        sources["IndexDatasetVersionFunction.cs"] = sources["IndexDatasetVersionFunction.cs"].Replace("[QueueTrigger(\"dataset-versions\"", "[QueueTrigger(\"dataset-version\"", StringComparison.Ordinal);
        var adapters = FunctionAdapterReader.Read(FunctionsCompileCheck.Compile(sources).Compilation);
        var entry = TriggerCatalog.All.Single(f => f.Name == TriggerCatalog.IndexDatasetVersion);
        Assert.NotEqual(entry.Target, adapters.Single(a => a.Name == entry.Name).Target);
    }
}
