using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmOps.Evaluation;

/// <summary>The example being graded (input, expected answer, relevant chunks, canary), handed to every grader.</summary>
public sealed class ExampleContext(EvalExample example) : EvaluationContext(ContextName, [new TextContent(example.Expected ?? "")])
{
    public const string ContextName = "LlmOps example";

    public EvalExample Example { get; } = example;
}
