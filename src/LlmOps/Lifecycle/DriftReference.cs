namespace LlmOps.Lifecycle;

/// <summary>What a drift check compares the current version with: <c>previous</c>, <c>champion</c> or a named version.</summary>
public enum DriftReferenceKind
{
    /// <summary>The source's version before the current one.</summary>
    Previous,

    /// <summary>The dataset the champion of the lifecycle's drift model was evaluated on.</summary>
    Champion,

    /// <summary>One dataset version, by id.</summary>
    Dataset,
}

/// <summary>The drift reference, parsed once from the lifecycle (or the command line) instead of re-read as text at use.</summary>
public sealed record DriftReference(DriftReferenceKind Kind, string? DatasetId = null)
{
    public static DriftReference Previous { get; } = new(DriftReferenceKind.Previous);

    public static DriftReference Champion { get; } = new(DriftReferenceKind.Champion);

    /// <summary><c>previous</c>, <c>champion</c> or <c>dataset:&lt;source&gt;@&lt;hash&gt;</c>; null for anything else.</summary>
    public static DriftReference? TryParse(string text) => text switch
    {
        "previous" => Previous,
        "champion" => Champion,
        _ when text.StartsWith("dataset:", StringComparison.Ordinal) && text.IndexOf('@', StringComparison.Ordinal) > 8 => new(DriftReferenceKind.Dataset, text),
        _ => null,
    };

    public override string ToString() => Kind switch
    {
        DriftReferenceKind.Dataset => DatasetId!,
        DriftReferenceKind.Champion => "champion",
        _ => "previous",
    };
}
