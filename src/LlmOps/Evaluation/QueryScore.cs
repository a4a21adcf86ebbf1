namespace LlmOps.Evaluation;

/// <summary>One labeled query on one index: the ids ranked (chunks or records, as the relevant ids are) and its scores at k.</summary>
public sealed record QueryScore(string Query, IReadOnlyList<string> Relevant, IReadOnlyList<string> Ranked, double Recall, double ReciprocalRank, double Ndcg);
