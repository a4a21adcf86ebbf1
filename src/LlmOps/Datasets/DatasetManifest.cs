using LlmOps.Errors;
using LlmOps.Lifecycle;

namespace LlmOps.Datasets;

/// <summary>
/// The manifest of an immutable dataset version. <see cref="Id"/> (<c>dataset:tickets@3f9a1c2e0b7d</c>) derives
/// from the records' content, the schema and the preprocessing version; the source blob and time say where this
/// content was first seen.
/// </summary>
public sealed record DatasetManifest(
    string Id,
    string Feature,
    string Source,
    string PreprocessingVersion,
    string ContentSha256,
    IReadOnlyList<FieldDefinition> Schema,
    IReadOnlyList<DatasetPart> Parts,
    long Records,
    long Chunks,
    long Tokens,
    string SourceBlob,
    string SourceETag,
    DatasetQuality Quality,
    IReadOnlyDictionary<string, long> Pii,
    IReadOnlyDictionary<string, long> Languages,
    DateTimeOffset CreatedAt)
{
    /// <summary>The folder of a version in the datasets container: <c>{source}/{hash}/</c>.</summary>
    public static string FolderOf(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var at = id.IndexOf('@', StringComparison.Ordinal);
        if (!id.StartsWith("dataset:", StringComparison.Ordinal) || at < 0 || at == id.Length - 1)
        {
            throw LlmOpsException.Invalid($"'{id}' is not a dataset version id (dataset:<source>@<hash>).");
        }

        return $"{id[8..at]}/{id[(at + 1)..]}/";
    }

    /// <summary>The source a version id belongs to: <c>tickets</c> of <c>dataset:tickets@3f9a...</c>.</summary>
    public static string SourceOf(string id) => FolderOf(id).Split('/')[0];
}
