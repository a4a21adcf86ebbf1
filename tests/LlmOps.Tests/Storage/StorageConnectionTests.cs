using LlmOps.Errors;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace LlmOps.Tests.Storage;

public sealed class StorageConnectionTests
{
    private static StorageAccount Create(Dictionary<string, string?> settings, StorageOptions? options = null) =>
        StorageConnection.Create(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), options ?? new StorageOptions());

    [Fact]
    public void ConnectionString_OwnSettingFirst_ThenTheFunctionsHostsSetting()
    {
        const string Own = "DefaultEndpointsProtocol=https;AccountName=own;AccountKey=a2V5;EndpointSuffix=core.windows.net";
        const string Host = "DefaultEndpointsProtocol=https;AccountName=host;AccountKey=a2V5;EndpointSuffix=core.windows.net";
        Assert.Equal("own", Create(new() { ["AzureWebJobsStorage"] = Host }, new StorageOptions { ConnectionString = Own }).Blobs.AccountName);
        Assert.Equal("host", Create(new() { ["AzureWebJobsStorage"] = Host }).Blobs.AccountName);
    }

    [Fact]
    public void ServiceUris_AsTheFunctionsHostNamesThem_GiveATokenAccount()
    {
        var storage = Create(new()
        {
            ["AzureWebJobsStorage:blobServiceUri"] = "https://acct.blob.core.windows.net",
            ["AzureWebJobsStorage:queueServiceUri"] = "https://acct.queue.core.windows.net",
            ["AzureWebJobsStorage:tableServiceUri"] = "https://acct.table.core.windows.net",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
            ["AzureWebJobsStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
        }, new StorageOptions { Prefix = "p1" });
        Assert.Null(storage.ConnectionString);
        Assert.Equal("https://acct.blob.core.windows.net/", storage.Blobs.Uri.ToString());
        Assert.Equal("https://acct.queue.core.windows.net/", storage.Queues.Uri.ToString());
        Assert.Equal("p1raw", storage.Container(StorageNames.RawContainer).Name);

        var byName = Create(new() { ["AzureWebJobsStorage:accountName"] = "other" });
        Assert.Equal("https://other.table.core.windows.net/", byName.Tables.Uri.ToString());
    }

    [Fact]
    public void BadOrMissingSettings_ClearErrors_NoEmulatorFallbackInAzure()
    {
        var partial = ExpectError.Throws(ErrorCode.Invalid, () => Create(new() { ["AzureWebJobsStorage:blobServiceUri"] = "https://acct.blob.core.windows.net" }));
        Assert.Contains("AzureWebJobsStorage__queueServiceUri is missing", partial.Message, StringComparison.Ordinal);
        var plain = ExpectError.Throws(ErrorCode.Invalid, () => Create(new()
        {
            ["AzureWebJobsStorage:blobServiceUri"] = "http://acct.blob.core.windows.net",
            ["AzureWebJobsStorage:queueServiceUri"] = "https://acct.queue.core.windows.net",
            ["AzureWebJobsStorage:tableServiceUri"] = "https://acct.table.core.windows.net",
        }));
        Assert.Contains("not an https URI", plain.Message, StringComparison.Ordinal);
        var credential = ExpectError.Throws(ErrorCode.Invalid, () => Create(new() { ["AzureWebJobsStorage:accountName"] = "a", ["AzureWebJobsStorage:credential"] = "secret" }));
        Assert.Contains("managedidentity", credential.Message, StringComparison.Ordinal);

        var inAzure = ExpectError.Throws(ErrorCode.Invalid, () => Create(new() { ["WEBSITE_INSTANCE_ID"] = "abc123" }));
        Assert.Contains("AzureWebJobsStorage__blobServiceUri", inAzure.Message, StringComparison.Ordinal);
        Assert.Contains("does not fall back to the local emulator", inAzure.Message, StringComparison.Ordinal);

        // Outside Azure, nothing configured means the local emulator, as before.
        Assert.Equal("devstoreaccount1", Create([]).Blobs.AccountName);
    }

    [Fact]
    public void InvalidOptions_FailAtStart_NotAtFirstUse()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddLlmOps(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmOps:Storage:Prefix"] = "Not-Valid",
            ["LlmOps:AzureOpenAI:Endpoint"] = "/relative",
        }).Build());
        using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        var validator = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>(provider);
        var error = Assert.ThrowsAny<Exception>(validator.Validate);
        Assert.Contains("LlmOps:Storage:Prefix", error.Message, StringComparison.Ordinal);
        Assert.Contains("LlmOps:AzureOpenAI:Endpoint", error.Message, StringComparison.Ordinal);
    }
}
