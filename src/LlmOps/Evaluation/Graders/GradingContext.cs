using Microsoft.Extensions.AI.Evaluation;

namespace LlmOps.Evaluation.Graders;

/// <summary>The LlmOps contexts among a grader's additional contexts, found once.</summary>
public sealed class GradingContext
{
    public GradingContext(IEnumerable<EvaluationContext>? contexts)
    {
        foreach (var context in contexts ?? [])
        {
            switch (context)
            {
                case ExampleContext example:
                    Example = example.Example;
                    break;
                case RetrievedContext retrieved:
                    Retrieved = retrieved.Chunks;
                    break;
                case ResponseContext response:
                    Response = response;
                    break;
            }
        }
    }

    public EvalExample? Example { get; }

    public IReadOnlyList<RetrievedChunk> Retrieved { get; } = [];

    public ResponseContext? Response { get; }
}
