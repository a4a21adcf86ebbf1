namespace LlmOps.Storage;

/// <summary>Where LlmOps keeps its blobs, queues and tables. Bound from <c>LlmOps:Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "LlmOps:Storage";

    /// <summary>
    /// An Azure Storage connection string. When empty, <c>AzureWebJobsStorage</c> is used (the Functions host's
    /// own setting), and failing that the local emulator (<c>UseDevelopmentStorage=true</c>).
    /// </summary>
    public string? ConnectionString { get; set; }
}
