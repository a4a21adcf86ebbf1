namespace LlmOps.Triggers;

/// <summary>
/// The message on blob-poison for a blob version whose handler failed every attempt (the Functions host's shape, plus
/// <see cref="Replays"/>: how often `llmops poison replay` ran it again and it failed). The blob itself stays put.
/// </summary>
public sealed record BlobPoisonMessage(
    string Type,
    string FunctionName,
    string ContainerName,
    string BlobName,
    string ETag,
    int Attempts,
    string Error,
    DateTimeOffset PoisonedAt,
    int Replays = 0);
