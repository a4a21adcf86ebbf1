using LlmOps.Datasets;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.EndToEnd;

public sealed class DatasetCommandsTests
{
    [Fact]
    public async Task IngestTwice_ListShowVerifyDiff_ThenTamperFailsVerify()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        var source = "cli" + Guid.NewGuid().ToString("N")[..10];
        var folder = Directory.CreateTempSubdirectory("llmops-cli-").FullName;
        var lifecycle = Path.Combine(folder, "lifecycle.yaml");
        await File.WriteAllTextAsync(lifecycle, $$"""
            feature: f{{source}}
            sources:
              - name: {{source}}
                path: raw/{{source}}/
                id_field: id
                text_field: body
                schema:
                  id: { type: string, required: true }
                  body: { type: string, required: true }
            quality:
              rules:
                - { rule: unique, field: id }
            """);
        var first = Path.Combine(folder, "v1.jsonl");
        var second = Path.Combine(folder, "v2.csv");
        await File.WriteAllTextAsync(first, "{\"id\":\"a\",\"body\":\"alpha text\"}\n{\"id\":\"b\",\"body\":\"beta text\"}\n");
        await File.WriteAllTextAsync(second, "id,body\nb,beta text\nc,gamma text\n");

        var (ingest1, out1) = await CliRun.RunAsync("ingest", first, "--source", source, "--lifecycle", lifecycle, "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix);
        var (ingest2, out2) = await CliRun.RunAsync("ingest", second, "--source", source, "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix);
        Assert.True(ingest1 == 0, out1);
        Assert.True(ingest2 == 0, out2);

        var versions = await new DatasetStore(new StorageAccount(azurite.ConnectionString, prefix)).ListAsync(source).ToListAsync();
        Assert.Equal(2, versions.Count);
        var (newer, older) = (versions[0].Id, versions[1].Id);

        var (list, listed) = await CliRun.RunAsync("datasets", "list", "--source", source, "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix);
        Assert.Equal(0, list);
        Assert.Contains(newer, listed, StringComparison.Ordinal);
        Assert.Contains(older, listed, StringComparison.Ordinal);

        var (show, shown) = await CliRun.RunAsync("datasets", "show", newer, "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix);
        Assert.Equal(0, show);
        Assert.Contains("part-00000.jsonl.gz", shown, StringComparison.Ordinal);

        var (diff, diffed) = await CliRun.RunAsync("datasets", "diff", older, newer, "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix);
        Assert.Equal(0, diff);
        Assert.Contains("+1 -1 ~0", diffed, StringComparison.Ordinal);
        Assert.Contains("+ c", diffed, StringComparison.Ordinal);
        Assert.Contains("- a", diffed, StringComparison.Ordinal);

        var (refresh, refreshed) = await CliRun.RunAsync("embeddings", "refresh", older, "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix);
        Assert.True(refresh == 0, refreshed);
        Assert.Contains("Built index: index:", refreshed, StringComparison.Ordinal);
        Assert.DoesNotContain("[green]", refreshed, StringComparison.Ordinal);

        Assert.Equal(0, (await CliRun.RunAsync("datasets", "verify", newer, "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix)).Exit);
        var storage = new StorageAccount(azurite.ConnectionString, prefix);
        await storage.Container(StorageNames.DatasetsContainer).GetBlobClient(DatasetManifest.FolderOf(newer) + "part-00000.jsonl.gz").UploadAsync(BinaryData.FromString("x"), overwrite: true);
        var (verify, verified) = await CliRun.RunAsync("datasets", "verify", newer, "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix);
        Assert.Equal(1, verify);
        Assert.Contains("SHA-256", verified, StringComparison.Ordinal);

        Assert.Equal(4, (await CliRun.RunAsync("datasets", "show", "dataset:nope@000000000000", "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix)).Exit);
        Assert.Equal(2, (await CliRun.RunAsync("datasets", "show", "not-a-version", "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix)).Exit);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Ingest_StorageUnreachable_ClearMessage_ExitOne_NoStackTrace()
    {
        var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there now
        var key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1";
        var file = Path.Combine(Directory.CreateTempSubdirectory("llmops-cli-").FullName, "drop.jsonl");
        await File.WriteAllTextAsync(file, "{\"id\":\"a\",\"body\":\"alpha\"}\n");

        var (exit, output) = await CliRun.RunAsync("ingest", file, "--source", "tickets", "--connection-string", unreachable);

        Assert.Equal(8, exit);
        Assert.Contains("Storage request failed", output, StringComparison.Ordinal);
        Assert.Contains("reachable", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LifecycleValidate_InvalidFile_ExitsTwoWithLine()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "feature: demo\nsources:\n  - name: t\n    path: datasets/t/\n    text_field: body\n    schema:\n      body: { type: string }\n");
        var (exit, output) = await CliRun.RunAsync("lifecycle", "validate", path);
        File.Delete(path);
        Assert.Equal(2, exit);
        Assert.Contains("line 4", output, StringComparison.Ordinal);
        Assert.Contains("sources[0].path", output, StringComparison.Ordinal);
    }
}
