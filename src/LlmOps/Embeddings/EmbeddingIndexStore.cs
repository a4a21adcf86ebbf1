using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using LlmOps.Storage;

namespace LlmOps.Embeddings;

/// <summary>
/// Index versions in the <c>embeddings</c> container (shards + manifest, written once) and their rows in table
/// <c>embeddingindexes</c> (PartitionKey source, newest first), which answer "latest index of a source with this model".
/// </summary>
public sealed class EmbeddingIndexStore(StorageAccount storage)
{
    public const string ManifestName = "manifest.json";
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;
    private readonly TableClient _table = storage.Table(StorageNames.EmbeddingIndexesTable);

    public Azure.Storage.Blobs.BlobContainerClient Container { get; } = storage.Container(StorageNames.EmbeddingsContainer);

    public async Task<EmbeddingIndexManifest?> GetAsync(string indexId, CancellationToken cancellationToken = default) =>
        await Container.GetBlobClient(EmbeddingIndexManifest.FolderOf(indexId) + ManifestName).ReadAsync<EmbeddingIndexManifest>(cancellationToken);

    /// <summary>Index rows, newest first, page by page: of one source, or of every source (newest first within each).</summary>
    public async IAsyncEnumerable<EmbeddingIndexRow> RowsAsync(string? source = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = source is null
            ? _table.QueryAsync<EmbeddingIndexRow>(cancellationToken: cancellationToken)
            : _table.QueryAsync<EmbeddingIndexRow>(e => e.PartitionKey == TableKey.Encode(source), cancellationToken: cancellationToken);
        await foreach (var row in query)
        {
            yield return row;
        }
    }

    /// <summary>The manifests of <see cref="RowsAsync"/>, newest first.</summary>
    public async IAsyncEnumerable<EmbeddingIndexManifest> ListAsync(string? source = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in RowsAsync(source, cancellationToken))
        {
            if (await GetAsync(row.IndexId, cancellationToken) is { } manifest)
            {
                yield return manifest;
            }
        }
    }

    /// <summary>The newest index version of <paramref name="source"/> made with this provider, model and size, or null.</summary>
    public async Task<EmbeddingIndexManifest?> LatestAsync(string source, string provider, string model, int dimensions, CancellationToken cancellationToken = default)
    {
        await foreach (var row in RowsAsync(source, cancellationToken))
        {
            if (row.Provider == provider && row.Model == model && row.Dimensions == dimensions)
            {
                return await GetAsync(row.IndexId, cancellationToken);
            }
        }

        return null;
    }

    /// <summary>Writes one shard (vectors + metadata) once, and describes it.</summary>
    public Task<IndexShard> WriteShardAsync(string indexId, int number, string provider, string model, int dimensions, ReadOnlyMemory<float> vectors, IReadOnlyList<IndexedChunk> chunks, CancellationToken cancellationToken) =>
        WriteShardAsync(indexId, number, provider, model, dimensions, vectors, chunks.Select(c => (ReadOnlyMemory<byte>)JsonSerializer.SerializeToUtf8Bytes(c, Json)).ToList(), cancellationToken);

    /// <summary>Writes one shard once from its vectors and its chunks' metadata lines (UTF-8 JSON, one per chunk; erasure passes the lines it keeps as they were stored), and describes it.</summary>
    public async Task<IndexShard> WriteShardAsync(string indexId, int number, string provider, string model, int dimensions, ReadOnlyMemory<float> vectors, IReadOnlyList<ReadOnlyMemory<byte>> metadataLines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadataLines);
        var folder = EmbeddingIndexManifest.FolderOf(indexId);
        var name = $"shard-{number:00000}.bin";
        var metadataName = $"shard-{number:00000}.chunks.jsonl.gz";
        var bytes = VectorShardFormat.Write(provider, model, dimensions, vectors.Span);
        using var metadata = new MemoryStream();
        await using (var gzip = new GZipStream(metadata, CompressionLevel.Fastest, leaveOpen: true))
        {
            foreach (var line in metadataLines)
            {
                await gzip.WriteAsync(line, cancellationToken);
                gzip.WriteByte((byte)'\n');
            }
        }

        var metadataBytes = metadata.ToArray();
        await Container.GetBlobClient(folder + name).TryCreateAsync(new BinaryData(bytes), cancellationToken: cancellationToken);
        await Container.GetBlobClient(folder + metadataName).TryCreateAsync(new BinaryData(metadataBytes), cancellationToken: cancellationToken);
        return new IndexShard(name, metadataName, metadataLines.Count, Convert.ToHexStringLower(SHA256.HashData(bytes)), Convert.ToHexStringLower(SHA256.HashData(metadataBytes)));
    }

    /// <summary>Writes the manifest once and indexes it; false when it existed already.</summary>
    public async Task<bool> PublishAsync(EmbeddingIndexManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var created = await Container.GetBlobClient(EmbeddingIndexManifest.FolderOf(manifest.Id) + ManifestName)
            .TryCreateAsync(BinaryData.FromObjectAsJson(manifest, Json), cancellationToken: cancellationToken);
        await IndexAsync(manifest, cancellationToken);
        return created;
    }

    public async Task IndexAsync(EmbeddingIndexManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        await _table.UpsertEntityAsync(
            new EmbeddingIndexRow
            {
                PartitionKey = TableKey.Encode(manifest.Source),
                RowKey = $"{TableKey.NewestFirst(manifest.CreatedAt)}|{TableKey.Encode(manifest.Id)}",
                IndexId = manifest.Id,
                DatasetId = manifest.DatasetId,
                Feature = manifest.Feature,
                Provider = manifest.Provider,
                Model = manifest.Model,
                Dimensions = manifest.Dimensions,
                Vectors = manifest.Vectors,
                CreatedAt = manifest.CreatedAt,
            },
            TableUpdateMode.Replace,
            cancellationToken);
    }

    /// <summary>Takes an erased index version out of the table (its successor answers "latest" in its place).</summary>
    public async Task UnindexAsync(EmbeddingIndexManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        await _table.DeleteEntityAsync(TableKey.Encode(manifest.Source), $"{TableKey.NewestFirst(manifest.CreatedAt)}|{TableKey.Encode(manifest.Id)}", ETag.All, cancellationToken);
    }

    /// <summary>Downloads and checks every shard (SHA-256 against the manifest) into one searchable index.</summary>
    public async Task<VectorIndex> LoadAsync(EmbeddingIndexManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var vectors = new float[checked((int)manifest.Vectors * manifest.Dimensions)];
        var chunks = new List<IndexedChunk>((int)manifest.Vectors);
        var offset = 0;
        foreach (var shard in manifest.Shards)
        {
            var (shardVectors, shardChunks) = await LoadShardAsync(manifest, shard, cancellationToken);
            shardVectors.CopyTo(vectors, offset);
            offset += shardVectors.Length;
            chunks.AddRange(shardChunks);
        }

        return new VectorIndex(manifest, vectors, chunks);
    }

    /// <summary>One shard of an index version, checked (SHA-256 and the model it was made by): its vectors, one after another, and its chunks.</summary>
    public async Task<(float[] Vectors, List<IndexedChunk> Chunks)> LoadShardAsync(EmbeddingIndexManifest manifest, IndexShard shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(shard);
        var folder = EmbeddingIndexManifest.FolderOf(manifest.Id);
        var bytes = (await Container.GetBlobClient(folder + shard.Name).DownloadContentAsync(cancellationToken)).Value.Content.ToMemory();
        if (Convert.ToHexStringLower(SHA256.HashData(bytes.Span)) != shard.Sha256)
        {
            throw new InvalidDataException($"{manifest.Id}: {shard.Name} does not match the SHA-256 in its manifest.");
        }

        var (provider, model, dimensions, vectors) = VectorShardFormat.Read(bytes.Span);
        if (provider != manifest.Provider || model != manifest.Model || dimensions != manifest.Dimensions)
        {
            throw new InvalidDataException($"{manifest.Id}: {shard.Name} was made by {provider}/{model} at {dimensions} dimensions, not {manifest.Provider}/{manifest.Model} at {manifest.Dimensions}.");
        }

        var chunks = new List<IndexedChunk>(shard.Vectors);
        await foreach (var chunk in ShardChunksAsync(folder, shard, cancellationToken))
        {
            chunks.Add(chunk);
        }

        return (vectors, chunks);
    }

    /// <summary>The chunks of an index version without their vectors, shard by shard (what comparing two versions needs).</summary>
    public async IAsyncEnumerable<IndexedChunk> ReadChunksAsync(EmbeddingIndexManifest manifest, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        foreach (var shard in manifest.Shards)
        {
            await foreach (var chunk in ShardChunksAsync(EmbeddingIndexManifest.FolderOf(manifest.Id), shard, cancellationToken))
            {
                yield return chunk;
            }
        }
    }

    private async IAsyncEnumerable<IndexedChunk> ShardChunksAsync(string folder, IndexShard shard, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var metadata = (await Container.GetBlobClient(folder + shard.MetadataName).DownloadContentAsync(cancellationToken)).Value.Content;
        if (Convert.ToHexStringLower(SHA256.HashData(metadata.ToMemory().Span)) != shard.MetadataSha256)
        {
            throw new InvalidDataException($"{folder}{shard.MetadataName} does not match the SHA-256 in its manifest.");
        }

        using var reader = new StreamReader(new GZipStream(metadata.ToStream(), CompressionMode.Decompress));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            yield return JsonSerializer.Deserialize<IndexedChunk>(line, Json)!;
        }
    }
}
