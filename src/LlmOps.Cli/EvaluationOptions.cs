using System.CommandLine;
using LlmOps.Evaluation;

namespace LlmOps.Cli;

/// <summary>The options `eval run` and `gate check` share: which set, model, judge, and how to run it.</summary>
internal sealed class EvaluationOptions
{
    public Option<string?> Dataset { get; } = new("--dataset") { Description = "The evaluation set: a dataset version id, or a source name (its latest version). Default: the lifecycle's evaluation.dataset." };

    public Option<string?> Model { get; } = new("--model") { Description = "The chat model: an Azure OpenAI chat deployment, or `extractive` (the offline baseline). Default: the prompt version's tag `model`, else extractive." };

    public Option<string?> Judge { get; } = new("--judge") { Description = "An LLM judge's rubric prompt (prompt:<name>[/n|@alias]). Default: the lifecycle's evaluation.judge." };

    public Option<string?> JudgeModel { get; } = new("--judge-model") { Description = "The judge's chat deployment (default: the target's model)." };

    public Option<int?> Concurrency { get; } = new("--concurrency") { Description = "Examples in flight at once (default: evaluation.concurrency, 8)." };

    public Option<int?> K { get; } = new("-k") { Description = "Chunks to retrieve per example (default: the prompt version's tag k, else evaluation.k, 3)." };

    public Option<string?> ExpectedField { get; } = new("--expected-field") { Description = "For a labeled version: the label field that is the expected answer." };

    public Option<bool> NoProbes { get; } = new("--no-probes") { Description = "Leave out the shipped prompt-injection probes." };

    public IEnumerable<Option> All => [Dataset, Model, Judge, JudgeModel, Concurrency, K, ExpectedField, NoProbes];

    public EvaluationRequest Read(ParseResult parse) => new()
    {
        Dataset = parse.GetValue(Dataset),
        Model = parse.GetValue(Model),
        Judge = parse.GetValue(Judge),
        JudgeModel = parse.GetValue(JudgeModel),
        Concurrency = parse.GetValue(Concurrency),
        K = parse.GetValue(K),
        ExpectedField = parse.GetValue(ExpectedField),
        Probes = !parse.GetValue(NoProbes),
    };
}
