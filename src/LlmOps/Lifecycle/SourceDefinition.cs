
namespace LlmOps.Lifecycle;

/// <summary>One source of the feature: where its drops land, how they are encoded, and their schema.</summary>
public sealed record SourceDefinition(
    string Name,
    string Path,
    SourceFormat Format,
    string? IdField,
    string TextField,
    IReadOnlyList<FieldDefinition> Schema,
    UpdatePolicy OnUpdate = UpdatePolicy.Replace,
    DecompressionLimits? Decompression = null,
    int? ShardMb = null)
{
    /// <summary>A drop larger than this many MiB (<c>shard_mb</c>) is ingested in shards across host instances; null: always whole.</summary>
    public long? ShardBytes => ShardMb is { } mb ? (long)mb << 20 : null;

    /// <summary>How far a .gz drop may expand (<c>max_decompressed_mb</c>, <c>max_compression_ratio</c>).</summary>
    public DecompressionLimits Limits => Decompression ?? DecompressionLimits.Default;
}
