using LlmOps.Lifecycle;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Lifecycle;

public sealed class LifecycleCatalogTests
{
    private static string Yaml(string feature, string source, string path) => new LifecycleBuilder(feature).Source(source, path).Build();

    [Fact]
    public async Task DropPath_RoutesToTheSourceWhosePathCoversIt_NotTheFirstFolder()
    {
        var storage = await SharedAzurite.AccountAsync();
        var unique = Guid.NewGuid().ToString("N")[..8];
        using var catalog = new LifecycleCatalog(storage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(storage, TimeProvider.System));
        await catalog.PublishAsync(Yaml($"route-{unique}", $"tk{unique}", $"raw/support{unique}/tickets/"), "route.yaml", CancellationToken.None);

        var covered = await catalog.ResolveDropAsync("raw", $"support{unique}/tickets/2026/a.jsonl", $"support{unique}", CancellationToken.None);
        Assert.Equal(($"tk{unique}", $"tk{unique}"), (covered.Source, covered.Definition?.Source.Name));
        var uncovered = await catalog.ResolveDropAsync("raw", $"support{unique}/other/a.jsonl", $"support{unique}", CancellationToken.None);
        Assert.Equal($"support{unique}", uncovered.Source);
        Assert.Null(uncovered.Definition);
    }

    [Fact]
    public async Task SourceDeclaredByAnotherFeature_RefusedAtPublish_WithTheLine()
    {
        var storage = await SharedAzurite.AccountAsync();
        var unique = Guid.NewGuid().ToString("N")[..8];
        using var catalog = new LifecycleCatalog(storage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(storage, TimeProvider.System));
        await catalog.PublishAsync(Yaml($"first-{unique}", $"s{unique}", $"raw/s{unique}/"), "first.yaml", CancellationToken.None);
        await catalog.PublishAsync(Yaml($"first-{unique}", $"s{unique}", $"raw/s{unique}/"), "first.yaml", CancellationToken.None); // the same feature again is fine

        var error = await Assert.ThrowsAsync<LifecycleValidationException>(() => catalog.PublishAsync(Yaml($"second-{unique}", $"s{unique}", $"raw/s{unique}/"), "second.yaml", CancellationToken.None));
        Assert.Contains($"feature 'first-{unique}' declares it", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
        Assert.Null(await catalog.GetAsync($"second-{unique}", CancellationToken.None));
    }

    [Fact]
    public async Task OneInvalidLifecycleBlob_IsSkippedAndListed_OtherFeaturesStillResolve()
    {
        var storage = await SharedAzurite.AccountAsync();
        var unique = Guid.NewGuid().ToString("N")[..8];
        using var catalog = new LifecycleCatalog(storage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(storage, TimeProvider.System));
        await catalog.PublishAsync(Yaml($"good-{unique}", $"g{unique}", $"raw/g{unique}/"), "good.yaml", CancellationToken.None);
        var broken = storage.Container(StorageNames.ConfigContainer).GetBlobClient($"{StorageNames.LifecyclePrefix}broken-{unique}.yaml");
        await broken.UploadAsync(BinaryData.FromString("feature: [unclosed"));
        try
        {
            var found = await catalog.FindSourceAsync($"g{unique}", CancellationToken.None);
            Assert.Equal($"good-{unique}", found!.Value.Lifecycle.Feature);
            Assert.Contains(catalog.InvalidFiles, f => f.Key.Contains($"broken-{unique}", StringComparison.Ordinal));
        }
        finally
        {
            await broken.DeleteIfExistsAsync();
        }
    }
}
