using System.Buffers;
using System.Globalization;
using System.Text;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace LlmOps.Datasets;

/// <summary>
/// Writes a block blob as its bytes arrive: every <see cref="BlockSize"/> bytes become a block staged in the
/// background (a few at a time), so the upload overlaps with whatever produces the bytes; <see cref="CommitAsync"/>
/// stages the rest and commits the list. Nothing is visible under the blob's name until then.
/// </summary>
/// <param name="blob">The blob the blocks are staged on.</param>
/// <param name="run">Prefixes every block id, so blocks another run stages on the same name never enter this commit.</param>
internal sealed class StagedBlockStream(BlockBlobClient blob, string run) : Stream
{
    public const int BlockSize = 4 << 20;

    /// <summary>Blocks uploading at once; the writer waits for the oldest beyond that, so memory stays bounded.</summary>
    private const int InFlight = 3;

    private readonly List<string> _blockIds = [];
    private readonly Queue<Task> _staging = new();
    private byte[]? _block;
    private int _filled;
    private long _written;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _written;

    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> buffer) => WriteAsync(buffer.ToArray()).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (buffer.Length > 0)
        {
            _block ??= ArrayPool<byte>.Shared.Rent(BlockSize);
            var count = Math.Min(buffer.Length, BlockSize - _filled);
            buffer.Span[..count].CopyTo(_block.AsSpan(_filled));
            _filled += count;
            _written += count;
            buffer = buffer[count..];
            if (_filled == BlockSize)
            {
                await StageAsync(cancellationToken);
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Stages what is left, waits for every block and commits them in order as the blob's content; returns its ETag.</summary>
    public async Task<Azure.ETag> CommitAsync(string contentType, CancellationToken cancellationToken)
    {
        if (_filled > 0)
        {
            await StageAsync(cancellationToken);
        }

        while (_staging.TryDequeue(out var staged))
        {
            await staged;
        }

        var committed = await blob.CommitBlockListAsync(_blockIds, new CommitBlockListOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } }, cancellationToken);
        return committed.Value.ETag;
    }

    public override void Flush()
    {
        // Blocks are staged when full and at the commit; there is nothing to flush in between.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await DrainAsync();
        await base.DisposeAsync(); // Dispose(true): nothing left to drain, the buffer goes back to the pool
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DrainAsync().GetAwaiter().GetResult();
        }

        Return();
        base.Dispose(disposing);
    }

    /// <summary>
    /// Lets blocks still uploading finish (or fail) before their buffers go back to the pool; a failure here was, or
    /// will be, seen by the commit, or is moot because the spool is being given up, so it is not raised twice.
    /// </summary>
    private async Task DrainAsync()
    {
        while (_staging.TryDequeue(out var staged))
        {
            try
            {
                await staged;
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or OperationCanceledException or IOException)
            {
                // See above.
            }
        }
    }

    private async Task StageAsync(CancellationToken cancellationToken)
    {
        while (_staging.Count >= InFlight)
        {
            await _staging.Dequeue();
        }

        // Block ids must all have the same length within a blob: the run, then the block's index, zero-padded.
        var id = Convert.ToBase64String(Encoding.ASCII.GetBytes(run + _blockIds.Count.ToString("d8", CultureInfo.InvariantCulture)));
        _blockIds.Add(id);
        var (block, filled) = (_block!, _filled);
        (_block, _filled) = (null, 0);
        _staging.Enqueue(StageBlockAsync(id, block, filled, cancellationToken));
    }

    private async Task StageBlockAsync(string id, byte[] block, int length, CancellationToken cancellationToken)
    {
        try
        {
            using var content = new MemoryStream(block, 0, length, writable: false);
            await blob.StageBlockAsync(id, content, cancellationToken: cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    private void Return()
    {
        if (_block is not null)
        {
            ArrayPool<byte>.Shared.Return(_block);
            _block = null;
        }
    }
}
