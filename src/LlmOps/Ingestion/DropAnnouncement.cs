namespace LlmOps.Ingestion;

/// <summary>The message on the drops queue that announces a recorded drop.</summary>
public sealed record DropAnnouncement(string Source, string BlobName, string BlobETag, DateTimeOffset ReceivedAt);
