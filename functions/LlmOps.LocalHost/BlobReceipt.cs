namespace LlmOps.LocalHost;

/// <summary>
/// The record that one function has seen one blob version (keyed by ETag): the local twin of the Functions host's
/// blob receipts. Kept as a row of the host's receipts table (<see cref="BlobReceiptRow"/>) so it survives restarts and is shared by instances.
/// </summary>
public sealed record BlobReceipt(
    string Function,
    string Container,
    string Name,
    string ETag,
    BlobReceiptStatus Status,
    int Attempts,
    string? LastError,
    DateTimeOffset UpdatedAt);
