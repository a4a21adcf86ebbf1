using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using LlmOps.Datasets;
using LlmOps.Ingestion.Processing;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Datasets;

/// <summary>Parts uploaded while a spool fills, then copied into the version: on the real emulator.</summary>
public sealed class StagedPartsTests
{
    [Fact]
    public async Task StagedSpool_PartsCloseAtTheirSize_EachUploadedBeforeTheLastRecord_PublishedInOrder()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var staging = PartStaging.ForDrop(storage, "raw", "tickets/big.jsonl", "0x9");
        var datasets = storage.Container(StorageNames.DatasetsContainer);
        var random = new Random(7);
        DatasetManifest manifest;
        await using (var spool = new DatasetSpool(staging))
        {
            // Random base64 compresses to about three quarters: 48 KiB a record closes a part every ~450 records.
            var line = 0;
            while (spool.Parts.Count < 2)
            {
                var bytes = new byte[36 << 10];
                random.NextBytes(bytes);
                var body = Convert.ToBase64String(bytes);
                line++;
                await spool.AddAsync(new DatasetRecord($"r{line:00000}", "tickets", line, new Dictionary<string, object?>(), body, $"{line:x32}", "", body.Length, 0, []), CancellationToken.None);
            }

            // The first part closed while records still came, and was uploaded without waiting for the end.
            Assert.True(spool.Parts[0].Bytes >= DatasetSpool.PartBytes);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!await datasets.GetBlobClient(staging.Folder + "part-00000.jsonl.gz").ExistsAsync())
            {
                Assert.True(DateTime.UtcNow < deadline, "the first part was not uploaded while the spool was open");
                await Task.Delay(50);
            }

            var contentSha = await spool.CompleteAsync(CancellationToken.None);
            Assert.Equal(3, spool.Parts.Count);
            Assert.All(spool.Parts, p => Assert.NotNull(p.Staged));
            var draft = new DatasetManifest(
                DatasetVersionWriter.VersionId("tickets", contentSha, "v1", Array.Empty<object>()), "feature", "tickets", "v1", contentSha, [], [], line, 0, 0, "raw/big", "0x9",
                new DatasetQuality(line, line, 0, 0, 0.1, new Dictionary<string, long>()), new Dictionary<string, long>(), new Dictionary<string, long>(), DateTimeOffset.UtcNow);
            (manifest, _) = await new DatasetVersionWriter(storage).PublishAsync(spool.Parts, draft, CancellationToken.None);
        }

        var store = new DatasetStore(storage);
        Assert.Empty(await store.VerifyAsync(manifest));
        Assert.Equal(manifest.Records, manifest.Parts.Sum(p => p.Records));
        var ids = await store.ReadRecordsAsync(manifest).Select(r => r.Id).ToListAsync();
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(manifest.Records, ids.Count);
        Assert.Empty(await StagedBlobsAsync(storage, staging));
    }

    [Fact]
    public async Task ExpiredStagedParts_DeletedAfterTwoDays_VersionPartsAndRecentOnesKept()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var datasets = storage.Container(StorageNames.DatasetsContainer);
        // What a run killed for good leaves (its blob overwritten before any retry), beside a published version's part.
        var staged = datasets.GetBlobClient(PartStaging.ForDrop(storage, "raw", "tickets/killed.jsonl", "0x5").Folder + "part-00000.jsonl.gz");
        await staged.UploadAsync(BinaryData.FromString("left behind"));
        var published = datasets.GetBlobClient("tickets/0123abcd/part-00000.jsonl.gz");
        await published.UploadAsync(BinaryData.FromString("a version's part"));
        var modified = (await staged.GetPropertiesAsync()).Value.LastModified;

        Assert.Equal(0, await PartStaging.DeleteExpiredAsync(storage, modified + PartStaging.Expiry, PartStaging.Expiry, CancellationToken.None));
        Assert.True(await staged.ExistsAsync());
        Assert.Equal(1, await PartStaging.DeleteExpiredAsync(storage, modified + PartStaging.Expiry + TimeSpan.FromSeconds(1), PartStaging.Expiry, CancellationToken.None));
        Assert.False(await staged.ExistsAsync());
        Assert.True(await published.ExistsAsync());
    }

    [Fact]
    public async Task StagedSpool_Published_VersionVerifies_StagingFolderEmptyAfterDispose()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var staging = PartStaging.ForDrop(storage, "raw", "tickets/drop.jsonl", "0x1");
        DatasetManifest manifest;
        await using (var spool = new DatasetSpool(staging))
        {
            var draft = await SpoolAsync(spool, "tickets", "staged body");
            Assert.NotNull(Assert.Single(spool.Parts).Staged);
            (manifest, var created) = await new DatasetVersionWriter(storage).PublishAsync(spool.Parts, draft, CancellationToken.None);
            Assert.True(created);
            Assert.Single(await StagedBlobsAsync(storage, staging));
        }

        var store = new DatasetStore(storage);
        Assert.Empty(await store.VerifyAsync(manifest));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"r{i:000}"), await store.ReadRecordsAsync(manifest).Select(r => r.Id).ToListAsync());
        Assert.Empty(await StagedBlobsAsync(storage, staging));
    }

    [Fact]
    public async Task TwoRunsOfOneInput_DifferentContent_NeitherVersionTakesTheOthersParts()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var writer = new DatasetVersionWriter(storage);
        var staging = () => PartStaging.ForDrop(storage, "raw", "tickets/drop.jsonl", "0x2");

        // Run A stages its part; run B (same input, other content, e.g. deduplicated against a newer version) writes
        // over the same staging name before A copies.
        await using var first = new DatasetSpool(staging());
        var firstDraft = await SpoolAsync(first, "tickets", "first run");
        await using var second = new DatasetSpool(staging());
        var secondDraft = await SpoolAsync(second, "tickets", "second run");

        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => writer.PublishAsync(first.Parts, firstDraft, CancellationToken.None));
        Assert.Equal(412, refused.Status);
        var datasets = storage.Container(StorageNames.DatasetsContainer);
        Assert.False(await datasets.GetBlobClient(DatasetManifest.FolderOf(firstDraft.Id) + "part-00000.jsonl.gz").ExistsAsync());
        Assert.False(await datasets.GetBlobClient(DatasetManifest.FolderOf(firstDraft.Id) + "manifest.json").ExistsAsync());

        // A's cleanup leaves B's staged part alone; B publishes its own content.
        await first.DisposeAsync();
        var (manifest, created) = await writer.PublishAsync(second.Parts, secondDraft, CancellationToken.None);
        Assert.True(created);
        Assert.Empty(await new DatasetStore(storage).VerifyAsync(manifest));
        Assert.All(await new DatasetStore(storage).ReadRecordsAsync(manifest).ToListAsync(), r => Assert.StartsWith("second run", r.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task StagedPart_CopiedAgainAfterAnInterruptedPublish_WritesOnceAndSnapshotsOnce()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var writer = new DatasetVersionWriter(storage);
        await using var spool = new DatasetSpool(PartStaging.ForDrop(storage, "raw", "tickets/drop.jsonl", "0x3"));
        var draft = await SpoolAsync(spool, "tickets", "copied twice");

        // The part was copied, and the process died before the manifest: the retry's copy finds it there.
        var part = storage.Container(StorageNames.DatasetsContainer).GetBlobClient(DatasetManifest.FolderOf(draft.Id) + "part-00000.jsonl.gz");
        await (await part.StartCopyFromUriAsync(spool.Parts[0].Staged!.Blob)).WaitForCompletionAsync();
        await part.CreateSnapshotAsync();
        var (manifest, created) = await writer.PublishAsync(spool.Parts, draft, CancellationToken.None);

        Assert.True(created);
        Assert.Empty(await new DatasetStore(storage).VerifyAsync(manifest));
        var versions = await storage.Container(StorageNames.DatasetsContainer)
            .GetBlobsAsync(new GetBlobsOptions { Prefix = part.Name, States = BlobStates.Snapshots }).ToListAsync();
        Assert.Equal(2, versions.Count); // the blob and its one snapshot
    }

    /// <summary>Spools 50 records whose text starts with <paramref name="text"/>; returns the version's draft manifest.</summary>
    internal static async Task<DatasetManifest> SpoolAsync(DatasetSpool spool, string source, string text)
    {
        for (var i = 0; i < 50; i++)
        {
            var body = $"{text} {i}";
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..32];
            await spool.AddAsync(new DatasetRecord($"r{i:000}", source, i + 1, new Dictionary<string, object?>(), body, hash, "", body.Length, 0, []), CancellationToken.None);
        }

        var contentSha = await spool.CompleteAsync(CancellationToken.None);
        return new DatasetManifest(
            DatasetVersionWriter.VersionId(source, contentSha, "v1", Array.Empty<object>()), "feature", source, "v1", contentSha, [], [], 50, 0, 0, "raw/drop", "0x1",
            new DatasetQuality(50, 50, 0, 0, 0.1, new Dictionary<string, long>()), new Dictionary<string, long>(), new Dictionary<string, long>(), DateTimeOffset.UtcNow);
    }

    internal static async Task<List<string>> StagedBlobsAsync(StorageAccount storage, PartStaging staging) =>
        await storage.Container(StorageNames.DatasetsContainer).GetBlobsAsync(new GetBlobsOptions { Prefix = staging.Folder }).Select(b => b.Name).ToListAsync();
}
