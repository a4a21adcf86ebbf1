using LlmOps.Storage;

namespace LlmOps.Governance;

/// <summary>A named key in table <c>apikeys</c> (PartitionKey <c>key</c>, RowKey its name): the SHA-256 of its secret, never the secret.</summary>
public sealed class ApiKeyRow : TableRow
{
    public string Hash { get; set; } = "";

    public string CreatedBy { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    internal ApiKey ToKey() => new(RowKey, CreatedBy, CreatedAt, RevokedAt);
}
