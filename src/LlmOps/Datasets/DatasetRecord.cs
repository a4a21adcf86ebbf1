namespace LlmOps.Datasets;

/// <summary>
/// One accepted record as stored in a dataset version: schema-typed fields (text fields cleaned and redacted; the
/// source's text field is not repeated there, it is <see cref="Text"/>), the prepared text with its chunks, and enrichment (source, content hash, language, character and token counts). Nothing run-dependent (such as the ingestion time) is in
/// it, so identical input gives identical records and the same version id.
/// </summary>
public sealed record DatasetRecord(
    string Id,
    string Source,
    long Line,
    IReadOnlyDictionary<string, object?> Fields,
    string Text,
    string ContentHash,
    string Language,
    int Chars,
    int Tokens,
    IReadOnlyList<ChunkSpan> Chunks)
{
    /// <summary>The text of one chunk, cut from <see cref="Text"/>.</summary>
    public string ChunkText(ChunkSpan chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        return Text[chunk.StartChar..chunk.EndChar];
    }

    /// <summary>A record's content, wherever it sits in its drop.</summary>
    public static string Fingerprint(DatasetRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            System.Text.Json.JsonSerializer.Serialize(record with { Line = 0 }, System.Text.Json.JsonSerializerOptions.Web))));
    }
}
