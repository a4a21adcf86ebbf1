using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace LlmOps.Embeddings;

/// <summary>
/// The binary shard: a header (magic <c>LLMV</c>, format version, dimensions, count, provider and model that made
/// every vector) then <c>count x dimensions</c> little-endian float32 values, each vector L2-normalized.
/// </summary>
public static class VectorShardFormat
{
    public const int FormatVersion = 1;
    private static readonly byte[] Magic = "LLMV"u8.ToArray();

    public static byte[] Write(string provider, string model, int dimensions, ReadOnlySpan<float> vectors)
    {
        if (vectors.Length % dimensions != 0)
        {
            throw new ArgumentException($"{vectors.Length} floats are not whole vectors of {dimensions}.", nameof(vectors));
        }

        var providerBytes = Encoding.UTF8.GetBytes(provider);
        var modelBytes = Encoding.UTF8.GetBytes(model);
        var header = 4 + 2 + 2 + 4 + 4 + 2 + providerBytes.Length + 2 + modelBytes.Length;
        header = (header + 3) & ~3;
        var bytes = new byte[header + (vectors.Length * sizeof(float))];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)header);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], dimensions);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], vectors.Length / dimensions);
        var at = 16;
        foreach (var text in new[] { providerBytes, modelBytes })
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)text.Length);
            text.CopyTo(span[(at + 2)..]);
            at += 2 + text.Length;
        }

        var body = span[header..];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(vectors).CopyTo(body);
        }
        else
        {
            for (var i = 0; i < vectors.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(body[(i * 4)..], vectors[i]);
            }
        }

        return bytes;
    }

    /// <summary>Reads a shard; a wrong magic, version or length is a <see cref="FormatException"/>.</summary>
    public static (string Provider, string Model, int Dimensions, float[] Vectors) Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 20 || !bytes[..4].SequenceEqual(Magic))
        {
            throw new FormatException("Not an LlmOps vector shard (no LLMV header).");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        if (version != FormatVersion)
        {
            throw new FormatException($"Vector shard format {version} is not supported (this build reads {FormatVersion}).");
        }

        int header = BinaryPrimitives.ReadUInt16LittleEndian(bytes[6..]);
        var dimensions = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        var at = 16;
        var texts = new string[2];
        for (var i = 0; i < 2; i++)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(bytes[at..]);
            texts[i] = Encoding.UTF8.GetString(bytes.Slice(at + 2, length));
            at += 2 + length;
        }

        if (dimensions <= 0 || count < 0 || bytes.Length != header + ((long)count * dimensions * sizeof(float)))
        {
            throw new FormatException($"Vector shard length {bytes.Length} does not match its header ({count} x {dimensions}).");
        }

        var vectors = new float[count * dimensions];
        if (BitConverter.IsLittleEndian)
        {
            bytes[header..].CopyTo(MemoryMarshal.AsBytes(vectors.AsSpan()));
        }
        else
        {
            for (var i = 0; i < vectors.Length; i++)
            {
                vectors[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(header + (i * 4))..]);
            }
        }

        return (texts[0], texts[1], dimensions, vectors);
    }
}
