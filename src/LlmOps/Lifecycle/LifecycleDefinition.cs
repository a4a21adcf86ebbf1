namespace LlmOps.Lifecycle;

/// <summary>
/// A feature's lifecycle file (ARCHITECTURE.md): sources, quality, preprocessing, gates, embedding, drift, labeling,
/// evaluation, costs, notify, budgets, governance, retention and guardrails are read here; the other sections (experiments, owners) are kept as written for the capabilities that
/// read them.
/// </summary>
public sealed record LifecycleDefinition(
    string Feature,
    IReadOnlyList<SourceDefinition> Sources,
    QualitySettings Quality,
    PreprocessingSettings Preprocessing,
    IReadOnlyList<ReleaseGate> PromotionGates,
    EmbeddingSettings Embedding,
    DriftSettings Drift,
    IReadOnlyList<LabelingProject> Labeling,
    IReadOnlyList<string> OtherSections)
{
    /// <summary>The evaluation set and graders releases are gated on.</summary>
    public EvaluationSettings Evaluation { get; init; } = EvaluationSettings.Default;

    /// <summary>Gates on an evaluation of a candidate against its baseline on the same set (<c>gates.evaluation</c>).</summary>
    public IReadOnlyList<ReleaseGate> EvaluationGates { get; init; } = [];

    /// <summary><c>gates.canary</c>: a canary deployment's production traces against the stable deployment's.</summary>
    public IReadOnlyList<ReleaseGate> CanaryGates { get; init; } = [];

    /// <summary>Per model, the token prices cost is computed from.</summary>
    public IReadOnlyDictionary<string, ModelPrice> Costs { get; init; } = new Dictionary<string, ModelPrice>();

    /// <summary>Where this feature's events are sent (<c>notify</c>).</summary>
    public NotifySettings Notify { get; init; } = NotifySettings.None;

    /// <summary>Spending limits per UTC day, checked against the production traces' cost and tokens (<c>budgets</c>).</summary>
    public BudgetSettings Budgets { get; init; } = BudgetSettings.None;

    /// <summary>Approvals for the changes that reach production (<c>governance</c>).</summary>
    public GovernanceSettings Governance { get; init; } = GovernanceSettings.None;

    /// <summary>How long each kind of the feature's data is kept (<c>retention</c>).</summary>
    public RetentionSettings Retention { get; init; } = RetentionSettings.None;

    /// <summary>What is checked at run time on the model's input and answer (<c>guardrails</c>).</summary>
    public GuardrailsSettings Guardrails { get; init; } = GuardrailsSettings.Default;

    /// <summary>The source whose name is <paramref name="name"/>, or null.</summary>
    public SourceDefinition? Source(string name) => Sources.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));

    /// <summary>The labeling project whose name is <paramref name="name"/>, or null.</summary>
    public LabelingProject? LabelingProject(string name) => Labeling.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));
}
