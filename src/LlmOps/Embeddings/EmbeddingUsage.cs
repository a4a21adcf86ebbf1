namespace LlmOps.Embeddings;

/// <summary>What a provider was asked: requests sent and texts embedded (thread-safe counters).</summary>
public sealed class EmbeddingUsage
{
    private long _requests;
    private long _inputs;

    public long Requests => Interlocked.Read(ref _requests);

    public long Inputs => Interlocked.Read(ref _inputs);

    internal void Record(int inputs)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _inputs, inputs);
    }
}
