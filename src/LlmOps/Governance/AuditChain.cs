using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace LlmOps.Governance;

/// <summary>
/// The audit log's line format and hash chain, free of storage. A line is one JSON object whose last property is
/// <c>"hash"</c>: the SHA-256 (hex) of the line's bytes without that property, and those bytes include <c>"prev"</c>,
/// the previous entry's hash; the first entry's <c>prev</c> is <see cref="Genesis"/>. Altering an entry changes its
/// hash; removing or reordering one breaks the sequence and the chain at that place.
/// </summary>
public static class AuditChain
{
    /// <summary>The <c>prev</c> of the first entry.</summary>
    public static readonly string Genesis = new('0', 64);

    // ,"hash":"<64 hex>"}  — the fixed tail of every line (before its newline).
    private const int HashTail = 9 + 64 + 2;

    /// <summary>The entry's line, newline included, with <paramref name="entry"/>'s hash computed (its <c>Hash</c> is ignored).</summary>
    public static (byte[] Line, string Hash) Serialize(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq", entry.Seq);
            writer.WriteString("at", entry.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
            writer.WriteString("who", entry.Who);
            writer.WriteString("whoName", entry.WhoName);
            writer.WriteString("action", entry.Action);
            writer.WriteString("target", entry.Target);
            WriteOptional(writer, "feature", entry.Feature);
            WriteOptional(writer, "why", entry.Why);
            WriteOptional(writer, "before", entry.Before);
            WriteOptional(writer, "after", entry.After);
            writer.WriteString("prev", entry.Prev);
            writer.WriteEndObject();
        }

        var body = buffer.WrittenSpan;
        var hash = Convert.ToHexStringLower(SHA256.HashData(body));
        var line = new byte[body.Length - 1 + HashTail + 1];
        body[..^1].CopyTo(line);
        Encoding.ASCII.GetBytes($",\"hash\":\"{hash}\"}}\n", line.AsSpan(body.Length - 1));
        return (line, hash);
    }

    /// <summary>Reads one line (without its newline) back into an entry, checking nothing.</summary>
    public static AuditEntry Parse(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        return new AuditEntry(
            root.GetProperty("seq").GetInt64(),
            DateTimeOffset.Parse(root.GetProperty("at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            root.GetProperty("who").GetString()!,
            root.GetProperty("whoName").GetString()!,
            root.GetProperty("action").GetString()!,
            root.GetProperty("target").GetString()!,
            Optional(root, "feature"),
            Optional(root, "why"),
            Optional(root, "before"),
            Optional(root, "after"),
            root.GetProperty("prev").GetString()!,
            root.GetProperty("hash").GetString()!);
    }

    /// <summary>
    /// Walks lines of the log in order, from <paramref name="expectedSeq"/> after <paramref name="previousHash"/>, and
    /// says where the chain first breaks. Recomputes each hash over the line's own bytes, so it never reserializes.
    /// </summary>
    public sealed class Verifier(long expectedSeq = 1, string? previousHash = null) : IDisposable
    {
        private readonly byte[] _previous = Encoding.ASCII.GetBytes(previousHash ?? Genesis);
        private readonly byte[] _hex = new byte[64];

        // One hash object for the whole walk: a one-shot hash per entry costs more to set up than to compute.
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public long NextSeq { get; private set; } = expectedSeq;

        public void Dispose() => _sha.Dispose();

        public string PreviousHash => Encoding.ASCII.GetString(_previous);

        /// <summary>Null when the line continues the chain; otherwise what is wrong, naming the entry.</summary>
        public string? Accept(ReadOnlySpan<byte> line)
        {
            var seq = NextSeq;
            if (line.Length <= HashTail || !line.EndsWith("\"}"u8) || !line[^HashTail..].StartsWith(",\"hash\":\""u8))
            {
                return $"entry {seq}: the line is not an audit entry (it was altered, or the log was cut)";
            }

            Span<byte> digest = stackalloc byte[32];
            var bodyLength = line.Length - HashTail;
            var body = line[..bodyLength];

            // The hashed bytes are the line without its hash property: the body, then the closing brace.
            _sha.AppendData(body);
            _sha.AppendData("}"u8);
            _sha.GetHashAndReset(digest);
            Convert.TryToHexStringLower(digest, _hex, out _);
            var stored = line.Slice(bodyLength + 9, 64);
            if (!stored.SequenceEqual(_hex))
            {
                return $"entry {seq}: its content does not match its hash (the entry was altered)";
            }

            var lineSeq = SeqAndPrev(body, out var prevStart, out var prevLength);
            if (lineSeq < 0 || prevLength != 64)
            {
                return $"entry {seq}: the line is not an audit entry (no number or no link to the previous entry)";
            }

            if (lineSeq != seq)
            {
                return lineSeq > seq
                    ? $"entry {seq}: missing (entry {lineSeq} follows entry {seq - 1}: removed, or reordered)"
                    : $"entry {seq}: entry {lineSeq} appears where entry {seq} belongs (reordered or repeated)";
            }

            if (!body.Slice(prevStart, prevLength).SequenceEqual(_previous))
            {
                return $"entry {seq}: it does not follow the previous entry's hash (the previous entry was replaced, or the log reordered)";
            }

            stored.CopyTo(_previous);
            NextSeq = seq + 1;
            return null;
        }

        private static long SeqAndPrev(ReadOnlySpan<byte> body, out int prevStart, out int prevLength)
        {
            prevStart = 0;
            prevLength = 0;
            // The writer puts "seq" first and "prev" last; read them without parsing the rest (the body lacks its closing brace).
            try
            {
                return ReadSeqAndPrev(body, out prevStart, out prevLength);
            }
            catch (JsonException)
            {
                return -1;
            }
        }

        private static long ReadSeqAndPrev(ReadOnlySpan<byte> body, out int prevStart, out int prevLength)
        {
            prevStart = 0;
            prevLength = 0;
            var reader = new Utf8JsonReader(body, isFinalBlock: false, state: default);
            long seq = -1;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    if (reader.ValueTextEquals("seq"u8))
                    {
                        reader.Read();
                        seq = reader.TryGetInt64(out var s) ? s : -1;
                    }
                    else if (reader.ValueTextEquals("prev"u8))
                    {
                        reader.Read();
                        prevStart = (int)reader.TokenStartIndex + 1;
                        prevLength = reader.ValueSpan.Length;
                        return seq;
                    }
                    else if (!reader.TrySkip())
                    {
                        return -1;
                    }
                }
            }

            return seq;
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string? Optional(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
