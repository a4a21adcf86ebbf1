using LlmOps.Datasets;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Datasets;

public sealed class DatasetStoreTests
{
    private static DatasetManifest Manifest(string source, string hash, DateTimeOffset createdAt) => new(
        $"dataset:{source}@{hash}", "feature", source, "v1", hash, [], [], 3, 3, 30, $"{source}/drop.csv", "0x1",
        new DatasetQuality(3, 3, 0, 0, 0.1, new Dictionary<string, long>()), new Dictionary<string, long>(), new Dictionary<string, long>(), createdAt);

    [Fact]
    public async Task Entries_CataloguedOutOfOrder_ListNewestFirst_AnnouncedOnBothRows()
    {
        var store = new DatasetStore(await SharedAzurite.AccountAsync(TestNames.Prefix()));
        var source = "src" + Guid.NewGuid().ToString("N")[..8];
        var t = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
        var middle = await store.CatalogAsync(Manifest(source, "bbbbbbbbbbbb", t));
        await store.CatalogAsync(Manifest(source, "aaaaaaaaaaaa", t.AddHours(1)));
        await store.CatalogAsync(Manifest(source, "cccccccccccc", t.AddHours(-1)));
        await store.CatalogAsync(Manifest("other" + source, "dddddddddddd", t.AddHours(2)));

        var entries = await store.EntriesAsync(source).ToListAsync();
        Assert.Equal([$"dataset:{source}@aaaaaaaaaaaa", $"dataset:{source}@bbbbbbbbbbbb", $"dataset:{source}@cccccccccccc"], entries.Select(e => e.VersionId));
        Assert.All(entries, e => Assert.False(e.Announced));

        // A replay of the same content returns the row already there instead of adding a second listing row.
        Assert.Equal(middle.VersionId, (await store.CatalogAsync(Manifest(source, "bbbbbbbbbbbb", t.AddMinutes(5)))).VersionId);
        Assert.Equal(3, await store.EntriesAsync(source).CountAsync());

        await store.MarkAnnouncedAsync(middle, "message-1", t.AddMinutes(1));
        Assert.Equal("message-1", (await store.GetEntryAsync(middle.VersionId))!.MessageId);
        Assert.True((await store.EntriesAsync(source).SingleAsync(e => e.VersionId == middle.VersionId)).Announced);
        Assert.Equal(4, await store.EntriesAsync().CountAsync());
    }
}
