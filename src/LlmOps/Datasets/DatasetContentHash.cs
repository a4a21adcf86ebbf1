using System.Security.Cryptography;

namespace LlmOps.Datasets;

/// <summary>
/// The content hash of a dataset version: SHA-256 over the SHA-256 of each record's canonical JSON line (without its
/// line feed), in order. Hashing each record on its own lets a version be put together from pieces hashed apart (the
/// shards of a drop): the pieces keep their records' digests, and the version's hash is the digests hashed in order,
/// 32 bytes a record, without reading the records again.
/// </summary>
public sealed class DatasetContentHash : IDisposable
{
    public const int DigestBytes = 32;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Adds a record by its canonical line (without the line feed); <paramref name="digest"/> receives the record's own digest.</summary>
    public void AppendRecord(ReadOnlySpan<byte> line, Span<byte> digest)
    {
        SHA256.HashData(line, digest);
        _hash.AppendData(digest[..DigestBytes]);
    }

    /// <summary>Adds a record by its canonical line (without the line feed).</summary>
    public void AppendRecord(ReadOnlySpan<byte> line)
    {
        Span<byte> digest = stackalloc byte[DigestBytes];
        AppendRecord(line, digest);
    }

    /// <summary>Adds a record by the digest <see cref="AppendRecord(ReadOnlySpan{byte}, Span{byte})"/> gave for it.</summary>
    public void AppendDigest(ReadOnlySpan<byte> digest) => _hash.AppendData(digest);

    /// <summary>The hash of every record added, in lower-case hex; the instance starts over.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public void Dispose() => _hash.Dispose();
}
