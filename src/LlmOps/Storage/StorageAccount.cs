using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using LlmOps.Errors;

namespace LlmOps.Storage;

/// <summary>
/// The long-lived blob, queue and table clients of one storage account. Queue messages are Base64, as the
/// Azure Functions queue trigger expects by default, so both hosts read what either writes. With a
/// <see cref="Prefix"/>, every container, queue and table name given to <see cref="Container"/>, <see cref="Queue"/>
/// and <see cref="Table"/> is prefixed, so several installations (or parallel tests) share one account apart.
/// </summary>
public sealed partial class StorageAccount
{
    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    public StorageAccount(string connectionString, string? prefix = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if (!string.IsNullOrEmpty(prefix) && !PrefixPattern().IsMatch(prefix))
        {
            throw LlmOpsException.Invalid($"The storage prefix '{prefix}' is not valid: 1-12 lower-case letters and digits, starting with a letter (table names allow nothing else).");
        }

        Prefix = prefix ?? "";
        ConnectionString = connectionString;
        try
        {
            Blobs = new BlobServiceClient(connectionString);
            Queues = new QueueServiceClient(connectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
            Tables = new TableServiceClient(connectionString);
        }
        catch (FormatException ex)
        {
            throw LlmOpsException.Invalid($"The storage connection string is not valid: {ex.Message}", ex);
        }
    }

    public string ConnectionString { get; }

    /// <summary>Put before every container, queue and table name; empty for none.</summary>
    public string Prefix { get; }

    public BlobServiceClient Blobs { get; }

    public QueueServiceClient Queues { get; }

    public TableServiceClient Tables { get; }

    /// <summary>A container by its logical name (<see cref="StorageNames"/>); the prefix is added here.</summary>
    public BlobContainerClient Container(string name) => Blobs.GetBlobContainerClient(Prefix + name);

    /// <summary>A queue by its logical name; the prefix is added here.</summary>
    public QueueClient Queue(string name) => Queues.GetQueueClient(Prefix + name);

    /// <summary>A table by its logical name; the prefix is added here.</summary>
    public TableClient Table(string name) => Tables.GetTableClient(Prefix + name);

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][a-z0-9]{0,11}$")]
    private static partial System.Text.RegularExpressions.Regex PrefixPattern();
}
