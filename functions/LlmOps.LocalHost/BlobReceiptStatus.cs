namespace LlmOps.LocalHost;

/// <summary>Where one blob version stands with one function.</summary>
public enum BlobReceiptStatus
{
    Pending,
    Completed,
    Poisoned,
}
