namespace LlmOps.Labeling;

/// <summary>A reviewer's decision for an item's field that the annotators did not settle: the value, who decided and why.</summary>
public sealed record Adjudication(string Item, string Field, IReadOnlyList<string> Values, string By, string Reason, DateTimeOffset At);
