using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using LlmOps.Lifecycle;

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
    private readonly DecompressionLimits _limits;
    private readonly string _name;
    private long _length;
    private bool _verified;

    public GzipIntegrityStream(Stream compressed, DecompressionLimits? limits = null, string name = "the drop")
    {
        _compressed = new TailCapturingStream(compressed);
        _gzip = new GZipStream(_compressed, CompressionMode.Decompress);
        _limits = limits ?? DecompressionLimits.Default;
        _name = name;
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
            if (_length > _limits.MaxBytes)
            {
                throw new UnreadableDropException($"'{_name}' decompresses to more than {_limits.MaxBytes / (1024 * 1024)} MB (the source's max_decompressed_mb): refused as a likely decompression bomb");
            }

            if (_length > DecompressionLimits.RatioGraceBytes && _length > _limits.MaxRatio * Math.Max(1, _compressed.BytesRead))
            {
                throw new UnreadableDropException($"'{_name}' expands more than {_limits.MaxRatio}:1 ({_compressed.BytesRead} compressed bytes gave {_length} so far; the source's max_compression_ratio): refused as a likely decompression bomb");
            }
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

        public long BytesRead { get; private set; }

        public override int Read(Span<byte> buffer) => Capture(buffer[..inner.Read(buffer)]);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            return Capture(buffer.Span[..read]);
        }

        private int Capture(ReadOnlySpan<byte> read)
        {
            BytesRead += read.Length;
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
