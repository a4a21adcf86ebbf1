using LlmOps.Storage;

namespace LlmOps.Registry;

/// <summary>A registered name's own row in table <c>registry</c> (RowKey <c>item</c>); its ETag guards version allocation.</summary>
public sealed class RegistryItemRow : TableRow
{
    public string Name { get; set; } = "";

    public string Kind { get; set; } = "";

    public string? Feature { get; set; }

    public string? Description { get; set; }

    /// <summary>Tags as a JSON object.</summary>
    public string Tags { get; set; } = "{}";

    public DateTimeOffset CreatedAt { get; set; }

    public int LatestVersion { get; set; }
}
