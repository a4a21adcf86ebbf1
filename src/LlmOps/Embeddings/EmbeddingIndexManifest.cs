using LlmOps.Errors;
namespace LlmOps.Embeddings;

/// <summary>
/// The manifest of an immutable embedding index version (<c>index:tickets@3f9a1c2e0b7d/lexical-ngram-384</c>): the
/// dataset version it embeds, the provider, model and dimensions of every vector, its shards, and what the build asked
/// of the provider (<see cref="Embedded"/>) against what it reused from earlier versions (<see cref="Reused"/>).
/// </summary>
public sealed record EmbeddingIndexManifest(
    string Id,
    string DatasetId,
    string Feature,
    string Source,
    string Provider,
    string Model,
    int Dimensions,
    long Vectors,
    IReadOnlyList<IndexShard> Shards,
    long Embedded,
    long Reused,
    long ProviderRequests,
    DateTimeOffset CreatedAt)
{
    /// <summary>The id of the index of <paramref name="datasetId"/> built with <paramref name="model"/> at <paramref name="dimensions"/>.</summary>
    public static string IdFor(string datasetId, string model, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(datasetId);
        if (!datasetId.StartsWith("dataset:", StringComparison.Ordinal) || !datasetId.Contains('@', StringComparison.Ordinal))
        {
            throw LlmOpsException.Invalid($"'{datasetId}' is not a dataset version id (dataset:<source>@<hash>).");
        }

        return $"index:{datasetId[8..]}/{model}-{dimensions.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    /// <summary>The folder of an index version in the embeddings container: <c>{source}/{hash}/{model}-{dims}/</c>.</summary>
    public static string FolderOf(string indexId)
    {
        ArgumentNullException.ThrowIfNull(indexId);
        var at = indexId.IndexOf('@', StringComparison.Ordinal);
        var slash = indexId.IndexOf('/', StringComparison.Ordinal);
        if (!indexId.StartsWith("index:", StringComparison.Ordinal) || at < 0 || slash < at || slash == indexId.Length - 1 || indexId.Contains("..", StringComparison.Ordinal))
        {
            throw LlmOpsException.Invalid($"'{indexId}' is not an index version id (index:<source>@<hash>/<model>-<dimensions>).");
        }

        return $"{indexId[6..at]}/{indexId[(at + 1)..]}/";
    }
}
