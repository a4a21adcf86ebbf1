namespace LlmOps.Evaluation;

/// <summary>The mean recall@k, MRR and nDCG@k of a query set on one index, and the run they were logged as.</summary>
public sealed record RetrievalEvaluation(string RunId, string IndexId, int K, int Queries, double RecallAtK, double Mrr, double NdcgAtK, string Store = Lifecycle.EmbeddingSettings.ExactStore);
