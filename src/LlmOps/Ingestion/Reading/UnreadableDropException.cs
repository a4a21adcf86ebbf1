namespace LlmOps.Ingestion.Reading;

/// <summary>A drop that cannot be read at all (not Parquet, truncated, not gzip...): it is quarantined whole.</summary>
public sealed class UnreadableDropException : Exception
{
    public UnreadableDropException()
    {
    }

    public UnreadableDropException(string message)
        : base(message)
    {
    }

    public UnreadableDropException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
