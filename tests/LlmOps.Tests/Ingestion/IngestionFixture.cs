using Azure;
using LlmOps.Ingestion;
using LlmOps.Lifecycle;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmOps.Tests.Ingestion;

/// <summary>A unique source with its own lifecycle file on the shared Azurite, and helpers to drop and ingest.</summary>
public sealed class IngestionFixture
{
    private IngestionFixture(StorageAccount storage, string source, LifecycleCatalog catalog)
    {
        Storage = storage;
        Source = source;
        Catalog = catalog;
        Ingestor = new DropIngestor(storage, catalog, new LlmOps.Lineage.LineageStore(storage, TimeProvider.System), new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), TimeProvider.System, NullLogger<DropIngestor>.Instance);
    }

    public StorageAccount Storage { get; }

    public string Source { get; }

    public DropIngestor Ingestor { get; }

    public LifecycleCatalog Catalog { get; }

    public static async Task<IngestionFixture> CreateAsync(double maxQuarantineRate = 0.5, string onUpdate = "replace", string? prefix = null, string? embedding = null)
    {
        var storage = await SharedAzurite.AccountAsync(prefix);
        var source = TestNames.Container("src").Replace("-", "", StringComparison.Ordinal);
        var yaml = new LifecycleBuilder("f" + source)
            .Source(source, idField: "id", fields: [LifecycleBuilder.Id, "created: { type: datetime }", "channel: { type: string }", "priority: { type: integer }", LifecycleBuilder.Body], options: "on_update: " + onUpdate)
            .Section($$"""
                quality:
                  max_quarantine_rate: {{maxQuarantineRate.ToString(System.Globalization.CultureInfo.InvariantCulture)}}
                  rules:
                    - { rule: not_null, field: body }
                    - { rule: unique, field: id }
                    - { rule: length, field: body, min: 3, max: 100000000 }
                    - { rule: allowed_values, field: channel, values: [email, chat, phone] }
                    - { rule: regex, field: id, pattern: '^T-\d+$' }
                """)
            .Section("""
                preprocessing:
                  version: v1
                  chunking: { max_tokens: 64, overlap: 8 }
                """)
            .Section(embedding is null ? "" : "embedding: " + embedding)
            .Build();
        var catalog = new LifecycleCatalog(storage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(storage, TimeProvider.System));
        await catalog.PublishAsync(yaml, "test.yaml", CancellationToken.None);
        return new IngestionFixture(storage, source, catalog);
    }

    /// <summary>A fixture for a lifecycle of the test's own (<paramref name="yaml"/>, whose one source is <paramref name="source"/>).</summary>
    public static async Task<IngestionFixture> ForLifecycleAsync(string yaml, string source)
    {
        var storage = await SharedAzurite.AccountAsync();
        var catalog = new LifecycleCatalog(storage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(storage, TimeProvider.System));
        await catalog.PublishAsync(yaml, "test.yaml", CancellationToken.None);
        return new IngestionFixture(storage, source, catalog);
    }

    /// <summary>
    /// Where drops go: a container of the fixture's own, so product-catalog hosts running in other tests (which
    /// watch raw/) never race this test for its drops. Tests of the trigger itself drop into raw/.
    /// </summary>
    public string DropContainer => "drops-" + Source;

    public async Task<(string Name, ETag ETag)> DropAsync(string name, byte[] content, string? container = null)
    {
        var raw = Storage.Container(container ?? DropContainer);
        await raw.CreateIfNotExistsAsync();
        var uploaded = await raw.GetBlobClient($"{Source}/{name}").UploadAsync(new BinaryData(content), overwrite: true);
        return ($"{Source}/{name}", uploaded.Value.ETag);
    }

    public async Task<IngestionResult> DropAndIngestAsync(string name, byte[] content)
    {
        var (blobName, etag) = await DropAsync(name, content);
        return await Ingestor.IngestAsync(Source, DropContainer, blobName, etag, CancellationToken.None);
    }
}
