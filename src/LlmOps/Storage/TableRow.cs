using Azure;
using Azure.Data.Tables;

namespace LlmOps.Storage;

/// <summary>The key and concurrency boilerplate of every typed table row; each table's row class adds its own columns.</summary>
public abstract class TableRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }
}
