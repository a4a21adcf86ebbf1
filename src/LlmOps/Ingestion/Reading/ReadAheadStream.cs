using System.Buffers;
using System.Threading.Channels;

namespace LlmOps.Ingestion.Reading;

/// <summary>
/// Reads a slow source (a blob download) ahead of its consumer on a background task, up to a bounded number of
/// chunks, so the network and the parser overlap instead of taking turns. A source error reaches the reader at the
/// point it would have been read; disposing stops the download.
/// </summary>
internal sealed class ReadAheadStream : ReadOnlyStream
{
    public const int ChunkSize = 1 << 20;

    private readonly Stream _source;
    private readonly Channel<(byte[] Buffer, int Length)> _chunks;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private byte[]? _current;
    private int _offset;
    private int _length;
    private bool _ended;
    private bool _closed;

    /// <param name="source">Read from on the background task, and disposed with this stream.</param>
    /// <param name="chunks">How many chunks of <see cref="ChunkSize"/> may wait unread.</param>
    public ReadAheadStream(Stream source, int chunks = 8)
    {
        _source = source;
        _chunks = Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(chunks) { SingleReader = true, SingleWriter = true });
        _pump = Task.Run(PumpAsync);
    }

    public override int Read(Span<byte> buffer)
    {
        var filling = Fill(CancellationToken.None);
        if (!filling.IsCompletedSuccessfully)
        {
            filling.AsTask().GetAwaiter().GetResult();
        }

        return Take(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Fill(cancellationToken);
        return Take(buffer.Span);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await CloseAsync();
        await base.DisposeAsync();
    }

    private async ValueTask CloseAsync()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        await _stop.CancelAsync();
        try
        {
            await _pump;
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }

        while (_chunks.Reader.TryRead(out var chunk))
        {
            ArrayPool<byte>.Shared.Return(chunk.Buffer);
        }

        Release();
        await _source.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>Bytes handed to the reader so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Makes sure a chunk with unread bytes is current, unless the source has ended.</summary>
    private async ValueTask Fill(CancellationToken cancellationToken)
    {
        if (_ended || (_current is not null && _offset < _length))
        {
            return;
        }

        Release();
        if (await _chunks.Reader.WaitToReadAsync(cancellationToken) && _chunks.Reader.TryRead(out var chunk))
        {
            (_current, _offset, _length) = (chunk.Buffer, 0, chunk.Length);
        }
        else
        {
            _ended = true;
        }
    }

    private int Take(Span<byte> buffer)
    {
        if (_ended)
        {
            return 0;
        }

        var count = Math.Min(buffer.Length, _length - _offset);
        _current.AsSpan(_offset, count).CopyTo(buffer);
        _offset += count;
        BytesRead += count;
        return count;
    }

    private void Release()
    {
        if (_current is not null)
        {
            ArrayPool<byte>.Shared.Return(_current);
            _current = null;
        }
    }

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                var filled = 0;
                int read;
                while (filled < ChunkSize && (read = await _source.ReadAsync(buffer.AsMemory(filled, ChunkSize - filled), _stop.Token)) > 0)
                {
                    filled += read;
                }

                if (filled == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }

                await _chunks.Writer.WriteAsync((buffer, filled), _stop.Token);
                if (filled < ChunkSize)
                {
                    break;
                }
            }

            _chunks.Writer.Complete();
        }
        catch (Exception ex)
        {
            // The reader sees the source's error (a failed download) when it reaches this point of the stream.
            _chunks.Writer.TryComplete(ex);
            if (ex is OperationCanceledException && _stop.IsCancellationRequested)
            {
                throw;
            }
        }
    }
}
