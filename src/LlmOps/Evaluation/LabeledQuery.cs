namespace LlmOps.Evaluation;

/// <summary>One line of a labeled query set: the query and the ids of the chunks that answer it.</summary>
public sealed record LabeledQuery(string Query, IReadOnlyList<string> Relevant);
