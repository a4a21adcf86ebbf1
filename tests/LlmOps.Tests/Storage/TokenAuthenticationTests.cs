using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure;
using Azure.Storage.Blobs;
using LlmOps.Datasets;
using LlmOps.Development;
using LlmOps.Ingestion;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Storage;

/// <summary>
/// The identity-based path for real: a second Azurite serving HTTPS with a certificate made here and accepting only
/// what a shared key or a bearer token authorizes, driven through a <see cref="StorageAccount"/> built from service URIs
/// and a token credential, as the function app is in Azure with its managed identity.
/// </summary>
public sealed class TokenAuthenticationTests
{
    [Fact]
    public async Task ServiceUrisAndTokenCredential_BlobsQueuesTables_Work_RequestsWithoutAValidTokenRefused()
    {
        var folder = Directory.CreateTempSubdirectory("llmops-tls-").FullName;
        var (certificate, key) = WriteSelfSignedCertificate(folder);
        await using var azurite = await AzuriteServer.StartAsync(new AzuriteOptions { TlsCertificatePath = certificate, TlsKeyPath = key, OAuth = true });
        Assert.Equal("https", azurite.BlobEndpoint.Scheme);

        var credential = new EntraTestCredential();
        var storage = new StorageAccount(azurite.BlobEndpoint, azurite.QueueEndpoint, azurite.TableEndpoint, credential, TestNames.Prefix(), azurite.Transport);
        Assert.Null(storage.ConnectionString);
        await StorageProvisioner.EnsureAsync(storage);

        var blob = storage.Container(StorageNames.RawContainer).GetBlobClient("tickets/drop.jsonl");
        await blob.UploadAsync(BinaryData.FromString("{\"id\":1}"));
        Assert.Equal("{\"id\":1}", (await blob.DownloadContentAsync()).Value.Content.ToString());

        var queue = storage.Queue(StorageNames.ActionsQueue);
        await queue.SendMessageAsync("reindex");
        Assert.Equal("reindex", (await queue.ReceiveMessageAsync()).Value.Body.ToString());

        var log = new IngestionLog(storage);
        var (partitionKey, rowKey) = IngestionLog.KeyOf("tickets", "drop.jsonl", "0x1");
        await log.RecordAsync(new IngestionRecord { PartitionKey = partitionKey, RowKey = rowKey, BlobName = "drop.jsonl", BlobETag = "0x1", Status = "Published" });
        Assert.Equal("Published", (await log.GetAsync("tickets", "drop.jsonl", "0x1"))!.Status);

        // A drop's parts are staged, then copied into the version server-side: the copy's source is authorized too.
        await using (var spool = new DatasetSpool(PartStaging.ForDrop(storage, StorageNames.RawContainer, "tickets/drop.jsonl", "0x1")))
        {
            var draft = await LlmOps.Tests.Datasets.StagedPartsTests.SpoolAsync(spool, "tickets", "token body");
            var (manifest, created) = await new DatasetVersionWriter(storage).PublishAsync(spool.Parts, draft, CancellationToken.None);
            Assert.True(created);
            Assert.Empty(await new DatasetStore(storage).VerifyAsync(manifest));
        }

        Assert.True(credential.Issued > 0);
        Assert.Contains("https://storage.azure.com/.default", credential.Scopes);

        // No token at all: refused.
        Assert.NotNull(azurite.Transport);
        var anonymous = new BlobServiceClient(azurite.BlobEndpoint, new BlobClientOptions { Transport = azurite.Transport });
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => anonymous.GetBlobContainerClient(storage.Container(StorageNames.RawContainer).Name).GetBlobClient("tickets/drop.jsonl").DownloadContentAsync());
        Assert.Contains(refused.Status, new[] { (int)HttpStatusCode.Unauthorized, (int)HttpStatusCode.Forbidden, (int)HttpStatusCode.NotFound });

        // A token for another resource: refused with the reason.
        var wrongAudience = new StorageAccount(azurite.BlobEndpoint, azurite.QueueEndpoint, azurite.TableEndpoint, new EntraTestCredential("https://vault.azure.net"), storage.Prefix, azurite.Transport);
        var rejected = await Assert.ThrowsAsync<RequestFailedException>(() => wrongAudience.Container(StorageNames.RawContainer).GetBlobClient("tickets/drop.jsonl").DownloadContentAsync());
        Assert.Equal((int)HttpStatusCode.Forbidden, rejected.Status);
        Assert.Equal("AuthenticationFailed", rejected.ErrorCode);
        Assert.Contains("audience", rejected.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static (string Certificate, string Key) WriteSelfSignedCertificate(string folder)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(folder, "cert.pem");
        var keyPath = Path.Combine(folder, "key.pem");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
