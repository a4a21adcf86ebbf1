namespace LlmOps.Evaluation;

/// <summary>
/// How to evaluate, each left null taking the lifecycle's <c>evaluation</c> section or the default: the evaluation
/// set (a dataset version id or a source name), the chat model (default: the prompt version's tag <c>model</c>, else
/// the offline extractive responder), the judge's rubric prompt and model, examples in flight, chunks to retrieve,
/// the expected-answer field of a labeled set, whether the shipped injection probes join the set, and the experiment.
/// </summary>
public sealed record EvaluationRequest
{
    public string? Dataset { get; init; }

    public string? Model { get; init; }

    public string? Judge { get; init; }

    public string? JudgeModel { get; init; }

    public int? Concurrency { get; init; }

    public int? K { get; init; }

    public string? ExpectedField { get; init; }

    public bool Probes { get; init; } = true;

    public string? Experiment { get; init; }
}
