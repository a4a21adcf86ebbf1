using System.Security.Cryptography;
using LlmOps.Datasets;
using LlmOps.Ingestion.Reading;

namespace LlmOps.Tests.Ingestion;

public sealed class ReadAheadStreamTests
{
    /// <summary>A source that hands out at most <paramref name="step"/> bytes a read, then fails after <paramref name="failAfter"/> bytes.</summary>
    private sealed class TrickleStream(byte[] data, int step, long failAfter = long.MaxValue) : MemoryStream(data)
    {
        public bool Disposed { get; private set; }

        /// <summary>Where the reading was when the stream was disposed.</summary>
        public long PositionAtDispose { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            if (Position >= failAfter)
            {
                throw new IOException("connection reset by the storage emulator");
            }

            return await base.ReadAsync(buffer[..(int)Math.Min(Math.Min(buffer.Length, step), failAfter - Position)], cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (!Disposed)
            {
                PositionAtDispose = Position;
            }

            Disposed = true;
            base.Dispose(disposing);
        }
    }

    [Fact]
    public async Task Read_OddSizesFromATrickle_SameBytesInOrder()
    {
        var data = RandomNumberGenerator.GetBytes((3 * ReadAheadStream.ChunkSize) + 12345);
        await using var stream = new ReadAheadStream(new TrickleStream(data, 70_001), chunks: 2);
        using var copy = new MemoryStream();
        var buffer = new byte[4099];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        Assert.Equal(data, copy.ToArray());
        Assert.Equal(0, stream.Read(buffer)); // stays at the end
    }

    [Fact]
    public async Task SourceFails_ReaderGetsTheBytesBefore_ThenTheSourcesError()
    {
        var data = RandomNumberGenerator.GetBytes(3 * ReadAheadStream.ChunkSize);
        await using var stream = new ReadAheadStream(new TrickleStream(data, 65536, failAfter: ReadAheadStream.ChunkSize + 100));
        var first = new byte[ReadAheadStream.ChunkSize];
        await stream.ReadExactlyAsync(first);
        Assert.Equal(data.AsSpan(0, ReadAheadStream.ChunkSize).ToArray(), first);
        var error = await Assert.ThrowsAsync<IOException>(async () => await stream.ReadExactlyAsync(new byte[10]));
        Assert.Contains("connection reset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposedUnread_StopsTheDownload_AndDisposesTheSource()
    {
        var source = new TrickleStream(RandomNumberGenerator.GetBytes(20 * ReadAheadStream.ChunkSize), 4096);
        var stream = new ReadAheadStream(source, chunks: 1);
        await stream.DisposeAsync();
        Assert.True(source.Disposed);
        Assert.True(source.PositionAtDispose <= 3 * ReadAheadStream.ChunkSize, $"read {source.PositionAtDispose} bytes"); // the bounded read-ahead stopped long before the end
    }

    [Fact]
    public async Task HashingWriteStream_HashesWhatReachesTheFile()
    {
        var data = RandomNumberGenerator.GetBytes(300_000);
        using var file = new MemoryStream();
        var hashing = new HashingWriteStream(new NonClosingStream(file));
        await hashing.WriteAsync(data.AsMemory(0, 1000));
        hashing.Write(data, 1000, data.Length - 1000);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file.ToArray())), hashing.Sha256());
        Assert.Equal(data.Length, hashing.Written);
        await hashing.DisposeAsync();
    }

    private sealed class NonClosingStream(Stream inner) : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
    }
}
