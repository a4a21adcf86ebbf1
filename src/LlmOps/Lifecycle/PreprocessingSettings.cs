namespace LlmOps.Lifecycle;

/// <summary>The preprocessing section: its declared version and the step configuration.</summary>
public sealed record PreprocessingSettings(
    string Version,
    bool NormalizeUnicode,
    bool StripHtml,
    bool Redact,
    IReadOnlyList<string> PiiTypes,
    IReadOnlyList<CustomPiiPattern> CustomPii,
    bool Dedup,
    string Tokenizer,
    int ChunkTokens,
    int ChunkOverlap)
{
    /// <summary>The smallest chunk a lifecycle (or an experiment's override) may ask for; the overlap is below the chunk size.</summary>
    public const int MinChunkTokens = 16;

    public static readonly IReadOnlyList<string> KnownPiiTypes = ["email", "phone", "card", "iban", "ssn", "ipv4", "ipv6"];

    public static PreprocessingSettings Default { get; } =
        new("v1", true, true, true, KnownPiiTypes, [], true, "cl100k_base", 256, 32);
}
