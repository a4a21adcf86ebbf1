using System.Net;
using System.Net.Sockets;
using LlmOps.Notebooks;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Notebooks;

public sealed class LlmOpsNotebookTests
{
    [Fact]
    public async Task Connect_ToAPortNobodyListensOn_SaysWhereAndHowToStartTheStack()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Convert.ToBase64String(new byte[64])};"
            + $"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
            + $"TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => LlmOpsNotebook.ConnectAsync(connection));

        Assert.Contains($"Cannot reach storage at http://127.0.0.1:{port}/devstoreaccount1", error.Message, StringComparison.Ordinal);
        Assert.Contains("llmops up", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_ToAzurite_ProvisionsAndAnswers()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = await LlmOpsNotebook.ConnectAsync(azurite.ConnectionString, prefix);

        Assert.True((await client.Storage.Container(StorageNames.DatasetsContainer).ExistsAsync()).Value);
    }
}
