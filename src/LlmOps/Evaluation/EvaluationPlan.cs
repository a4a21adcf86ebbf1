using Microsoft.Extensions.AI.Evaluation;

namespace LlmOps.Evaluation;

/// <summary>
/// Everything one evaluation run needs: the target, the examples of one evaluation set, the index to retrieve from
/// (none: no retrieval), how many chunks, the graders, the judge's chat configuration (for graders that call a
/// model), how many examples run at once, and the experiment the run is logged to.
/// </summary>
public sealed record EvaluationPlan(
    EvaluationTarget Target,
    string Feature,
    string Dataset,
    IReadOnlyList<EvalExample> Examples,
    Embeddings.VectorIndex? Index,
    int K,
    IReadOnlyList<IEvaluator> Graders,
    ChatConfiguration? Judge,
    int Concurrency,
    string Experiment);
