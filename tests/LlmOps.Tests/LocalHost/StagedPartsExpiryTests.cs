using LlmOps.Datasets;
using LlmOps.LocalHost;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.LocalHost;

/// <summary>The local host deletes expired staged parts, as the lifecycle rule does in Azure.</summary>
public sealed class StagedPartsExpiryTests
{
    [Fact]
    public async Task Host_DeletesStagedPartsPastTheirExpiry_LeavesVersionParts()
    {
        var prefix = TestNames.Prefix();
        var storage = await SharedAzurite.AccountAsync(prefix);
        var datasets = storage.Container(StorageNames.DatasetsContainer);
        var staged = datasets.GetBlobClient(PartStaging.ForDrop(storage, "raw", "tickets/killed.jsonl", "0x7").Folder + "part-00000.jsonl.gz");
        await staged.UploadAsync(BinaryData.FromString("left behind"));
        var published = datasets.GetBlobClient("tickets/4567cdef/part-00000.jsonl.gz");
        await published.UploadAsync(BinaryData.FromString("a version's part"));

        // Expiry zero stands in for two days gone by.
        await using var host = await TestHosts.StartAsync(new FunctionCatalog([]), prefix: prefix, configuration: new Dictionary<string, string?>
        {
            ["LlmOps:Host:StagedPartsExpiry"] = "00:00:00",
            ["LlmOps:Host:StagedPartsSweepInterval"] = "00:00:00.200",
        });
        await Eventually.UntilAsync(async () => (bool)await staged.ExistsAsync(), exists => !exists, "the expired staged part deleted");
        Assert.True(await published.ExistsAsync());
    }
}
