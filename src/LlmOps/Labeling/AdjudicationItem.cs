namespace LlmOps.Labeling;

/// <summary>
/// An item's field the annotators did not settle (a tie, or consensus confidence below the project's threshold), with
/// each annotator's label side by side, and the adjudication that settles it once there is one.
/// </summary>
public sealed record AdjudicationItem(string Item, string Field, string Reason, double Confidence, IReadOnlyDictionary<string, string> Labels, Adjudication? Decision);
