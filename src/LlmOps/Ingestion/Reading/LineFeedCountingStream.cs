namespace LlmOps.Ingestion.Reading;

/// <summary>Passes a stream's bytes through and counts the line feeds among them (a shard's lines, for the shards after it).</summary>
internal sealed class LineFeedCountingStream(Stream inner) : ReadOnlyStream
{
    public long LineFeeds { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        LineFeeds += buffer[..read].Count((byte)'\n');
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        LineFeeds += buffer.Span[..read].Count((byte)'\n');
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
