using LlmOps.Errors;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Storage;

public sealed class StorageAccountTests
{
    [Fact]
    public async Task Prefix_AppliedToEveryContainerQueueAndTable_TwoPrefixesDoNotSeeEachOther()
    {
        var first = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var second = await SharedAzurite.AccountAsync(TestNames.Prefix());
        Assert.Equal(first.Prefix + StorageNames.ActionsQueue, first.Queue(StorageNames.ActionsQueue).Name);
        Assert.Equal(first.Prefix + StorageNames.ConfigContainer, first.Container(StorageNames.ConfigContainer).Name);
        Assert.Equal(first.Prefix + StorageNames.RunsTable, first.Table(StorageNames.RunsTable).Name);

        await first.Queue(StorageNames.ActionsQueue).CreateIfNotExistsAsync();
        await second.Queue(StorageNames.ActionsQueue).CreateIfNotExistsAsync();
        await first.Queue(StorageNames.ActionsQueue).SendMessageAsync("for the first");

        Assert.Equal(1, (await first.Queue(StorageNames.ActionsQueue).GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(0, (await second.Queue(StorageNames.ActionsQueue).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("1starts")]
    [InlineData("has-dash")]
    [InlineData("waytoolongprefix")]
    public void Prefix_NotATableSafeName_IsInvalid(string prefix) =>
        ExpectError.Throws(ErrorCode.Invalid, () => _ = new StorageAccount(StorageAccount.DevelopmentStorage, prefix));

    [Fact]
    public void NoPrefix_NamesAsInArchitecture() =>
        Assert.Equal("dataset-versions", new StorageAccount(StorageAccount.DevelopmentStorage).Queue(StorageNames.DatasetVersionsQueue).Name);
}
