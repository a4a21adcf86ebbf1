using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace LlmOps.Ingestion.Reading;

/// <summary>
/// Decompresses gzip and, at the end, checks the trailer (CRC-32 and size) against what was read: .NET's
/// GZipStream ends quietly on truncated input, and a half-read drop must not pass for a whole one. Concatenated
/// multi-member files are checked against their last member only, so they are reported as corrupt.
/// </summary>
internal sealed class GzipIntegrityStream : ReadOnlyStream
{
    private readonly TailCapturingStream _compressed;
    private readonly GZipStream _gzip;
    private readonly Crc32 _crc = new();
    private long _length;
    private bool _verified;

    public GzipIntegrityStream(Stream compressed)
    {
        _compressed = new TailCapturingStream(compressed);
        _gzip = new GZipStream(_compressed, CompressionMode.Decompress);
    }

    public override int Read(Span<byte> buffer) => Account(buffer, _gzip.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _gzip.ReadAsync(buffer, cancellationToken);
        return Account(buffer.Span, read);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gzip.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Account(Span<byte> buffer, int read)
    {
        if (read > 0)
        {
            _crc.Append(buffer[..read]);
            _length += read;
        }
        else if (!_verified)
        {
            _verified = true;
            var tail = _compressed.Tail;
            if (tail.Length < 8
                || BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(0, 4)) != _crc.GetCurrentHashAsUInt32()
                || BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(4, 4)) != (uint)_length)
            {
                throw new InvalidDataException("the gzip data is truncated or corrupt (its CRC-32 or size does not match the content)");
            }
        }

        return read;
    }

    /// <summary>Remembers the last 8 bytes read from the compressed stream: the gzip trailer once it is all read.</summary>
    private sealed class TailCapturingStream(Stream inner) : ReadOnlyStream
    {
        private readonly byte[] _tail = new byte[8];
        private int _filled;

        public byte[] Tail => _tail.AsSpan(0, _filled).ToArray();

        public override int Read(Span<byte> buffer) => Capture(buffer[..inner.Read(buffer)]);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            return Capture(buffer.Span[..read]);
        }

        private int Capture(ReadOnlySpan<byte> read)
        {
            if (read.Length >= 8)
            {
                read[^8..].CopyTo(_tail);
                _filled = 8;
            }
            else if (read.Length > 0)
            {
                var keep = Math.Min(_filled, 8 - read.Length);
                _tail.AsSpan(_filled - keep, keep).CopyTo(_tail);
                read.CopyTo(_tail.AsSpan(keep));
                _filled = keep + read.Length;
            }

            return read.Length;
        }
    }
}
