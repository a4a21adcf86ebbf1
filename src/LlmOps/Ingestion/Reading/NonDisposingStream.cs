namespace LlmOps.Ingestion.Reading;

/// <summary>Passes reads through and leaves the inner stream open: its owner disposes it.</summary>
internal sealed class NonDisposingStream(Stream inner) : ReadOnlyStream
{
    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
}
