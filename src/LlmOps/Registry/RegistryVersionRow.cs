using System.Text.Json;
using LlmOps.Storage;

namespace LlmOps.Registry;

/// <summary>An immutable version in table <c>registry</c> (RowKey <c>version|</c>number, zero-padded so versions sort).</summary>
public sealed class RegistryVersionRow : TableRow
{
    public string Id { get; set; } = "";

    public int Version { get; set; }

    public string RunId { get; set; } = "";

    public string? Artifact { get; set; }

    public string? Template { get; set; }

    /// <summary>The template's variables as a JSON array.</summary>
    public string Variables { get; set; } = "[]";

    public string? Description { get; set; }

    /// <summary>Tags as a JSON object.</summary>
    public string Tags { get; set; } = "{}";

    public DateTimeOffset CreatedAt { get; set; }

    public string CreatedBy { get; set; } = "";

    internal static RegistryVersionRow From(RegistryVersion version, string rowKey) => new()
    {
        PartitionKey = TableKey.Encode(version.Name),
        RowKey = rowKey,
        Id = version.Id,
        Version = version.Version,
        RunId = version.RunId,
        Artifact = version.Artifact,
        Template = version.Template,
        Variables = JsonSerializer.Serialize(version.Variables),
        Description = version.Description,
        Tags = JsonSerializer.Serialize(version.Tags),
        CreatedAt = version.CreatedAt,
        CreatedBy = version.CreatedBy,
    };

    internal RegistryVersion ToVersion() => new(
        Id,
        Id[..Id.LastIndexOf('/')],
        Version,
        RunId,
        Artifact,
        Template,
        JsonSerializer.Deserialize<List<string>>(Variables) ?? [],
        Description,
        JsonSerializer.Deserialize<Dictionary<string, string>>(Tags) ?? [],
        CreatedAt,
        CreatedBy);
}
