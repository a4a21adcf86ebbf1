using Azure.Core;
using Azure.Core.Pipeline;
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

    public StorageAccount(string connectionString, string? prefix = null, HttpPipelineTransport? transport = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Prefix = ValidPrefix(prefix);
        ConnectionString = connectionString;
        var (blobOptions, queueOptions, tableOptions) = Options(transport);
        try
        {
            Blobs = new BlobServiceClient(connectionString, blobOptions);
            Queues = new QueueServiceClient(connectionString, queueOptions);
            Tables = new TableServiceClient(connectionString, tableOptions);
        }
        catch (FormatException ex)
        {
            throw LlmOpsException.Invalid($"The storage connection string is not valid: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// An account reached with Microsoft Entra tokens (a managed identity in Azure, the developer's sign-in locally)
    /// instead of a shared key: the service URIs of its blob, queue and table endpoints and the credential that issues
    /// the tokens. <paramref name="transport"/> replaces the HTTP transport (a custom TLS setup; tests trust their own certificate with it).
    /// </summary>
    public StorageAccount(Uri blobServiceUri, Uri queueServiceUri, Uri tableServiceUri, TokenCredential credential, string? prefix = null, HttpPipelineTransport? transport = null)
    {
        ArgumentNullException.ThrowIfNull(blobServiceUri);
        ArgumentNullException.ThrowIfNull(queueServiceUri);
        ArgumentNullException.ThrowIfNull(tableServiceUri);
        ArgumentNullException.ThrowIfNull(credential);
        Prefix = ValidPrefix(prefix);
        var (blobOptions, queueOptions, tableOptions) = Options(transport);
        Blobs = new BlobServiceClient(blobServiceUri, credential, blobOptions);
        Queues = new QueueServiceClient(queueServiceUri, credential, queueOptions);
        Tables = new TableServiceClient(tableServiceUri, credential, tableOptions);
        Credential = credential;
    }

    /// <summary>The credential of an account reached with tokens (its signed-in identity is the CLI's caller); null for shared keys.</summary>
    public TokenCredential? Credential { get; }

    /// <summary>The connection string of a shared-key account; null for one reached with tokens.</summary>
    public string? ConnectionString { get; }

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

    private static (BlobClientOptions Blob, QueueClientOptions Queue, TableClientOptions Table) Options(HttpPipelineTransport? transport)
    {
        var blob = new BlobClientOptions();
        var queue = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var table = new TableClientOptions();
        if (transport is not null)
        {
            blob.Transport = transport;
            queue.Transport = transport;
            table.Transport = transport;
        }

        return (blob, queue, table);
    }

    /// <summary>Whether <paramref name="prefix"/> can go before every container, queue and table name.</summary>
    public static bool IsValidPrefix(string prefix) => PrefixPattern().IsMatch(prefix);

    private static string ValidPrefix(string? prefix) =>
        string.IsNullOrEmpty(prefix) ? ""
        : IsValidPrefix(prefix) ? prefix
        : throw LlmOpsException.Invalid($"The storage prefix '{prefix}' is not valid: 1-12 lower-case letters and digits, starting with a letter (table names allow nothing else).");

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][a-z0-9]{0,11}$")]
    private static partial System.Text.RegularExpressions.Regex PrefixPattern();
}
