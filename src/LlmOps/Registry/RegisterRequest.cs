namespace LlmOps.Registry;

/// <summary>
/// A new version of <see cref="Name"/> (<c>model:x</c> or <c>prompt:y</c>; a bare name is a model) produced by
/// <see cref="RunId"/>. A prompt needs <see cref="Template"/>; a model may name the run artifact it is.
/// <see cref="Feature"/> (whose lifecycle gates promotion) defaults to the run's <c>feature</c> tag, else its experiment.
/// </summary>
public sealed record RegisterRequest(string Name, string RunId)
{
    public string? Template { get; init; }

    public string? Artifact { get; init; }

    public string? Description { get; init; }

    public string? Feature { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}
