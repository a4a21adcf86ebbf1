namespace LlmOps.Tracking;

/// <summary>A dataset version (or index version) a run read, with its context: training, evaluation, validation...</summary>
public sealed record RunInput(string DatasetId, string Context)
{
    public const string Training = "training";
    public const string Evaluation = "evaluation";
}
