namespace LlmOps.Labeling;

/// <summary>An item's agreed value for one field (null when none), its confidence, and whether a reviewer set it.</summary>
public sealed record ConsensusValue(string Item, string Field, IReadOnlyList<string>? Values, double Confidence, bool Adjudicated);
