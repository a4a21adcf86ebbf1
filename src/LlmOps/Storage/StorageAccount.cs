using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using LlmOps.Errors;

namespace LlmOps.Storage;

/// <summary>
/// The long-lived blob, queue and table clients of one storage account. Queue messages are Base64, as the
/// Azure Functions queue trigger expects by default, so both hosts read what either writes.
/// </summary>
public sealed class StorageAccount
{
    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    public StorageAccount(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
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

    public BlobServiceClient Blobs { get; }

    public QueueServiceClient Queues { get; }

    public TableServiceClient Tables { get; }

    public BlobContainerClient Container(string name) => Blobs.GetBlobContainerClient(name);

    public QueueClient Queue(string name) => Queues.GetQueueClient(name);

    public TableClient Table(string name) => Tables.GetTableClient(name);
}
