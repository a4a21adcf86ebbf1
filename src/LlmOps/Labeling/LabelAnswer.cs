namespace LlmOps.Labeling;

/// <summary>
/// One annotator's answer for one field of one item, as imported: a single value for most fields, any number for a
/// multi-label field (none: no label applies). Gold answers use the same shape with the annotator "gold".
/// </summary>
public sealed record LabelAnswer(string Item, string Annotator, string Field, IReadOnlyList<string> Values);
