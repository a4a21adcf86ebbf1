namespace LlmOps.Storage;

/// <summary>Where LlmOps keeps its blobs, queues and tables. Bound from <c>LlmOps:Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "LlmOps:Storage";

    /// <summary>
    /// An Azure Storage connection string. When empty, <c>AzureWebJobsStorage</c> is used (the Functions host's own
    /// setting, a connection string or its identity-based form; see <see cref="StorageConnection"/>), and failing that,
    /// outside Azure only, the local emulator (<c>UseDevelopmentStorage=true</c>).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Put before every container, queue and table name (1-12 lower-case letters and digits, starting with a letter),
    /// so several installations or test runs can share one account. Empty: the names of ARCHITECTURE.md as they are.
    /// </summary>
    public string? Prefix { get; set; }
}
