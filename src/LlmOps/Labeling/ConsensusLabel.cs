namespace LlmOps.Labeling;

/// <summary>One item's agreed label (null when there is none: no labels, or a tie), how sure, and whether it was a tie.</summary>
public sealed record ConsensusLabel(int Item, double? Value, double Confidence, bool Tied);
