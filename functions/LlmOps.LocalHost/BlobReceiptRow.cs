using LlmOps.Storage;

namespace LlmOps.LocalHost;

/// <summary>
/// A receipt as a row of the host's receipts table: one partition per function and container, one row per blob
/// version (a hash of the name and the ETag), and the claim's owner id while a claim holds it ("" when none does).
/// </summary>
public sealed class BlobReceiptRow : TableRow
{
    public string Function { get; set; } = "";

    public string Container { get; set; } = "";

    public string Name { get; set; } = "";

    public string BlobETag { get; set; } = "";

    public string Status { get; set; } = nameof(BlobReceiptStatus.Pending);

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public string Owner { get; set; } = "";

    public BlobReceipt ToReceipt() =>
        new(Function, Container, Name, BlobETag, Enum.Parse<BlobReceiptStatus>(Status), Attempts, LastError, UpdatedAt);
}
