namespace LlmOps.Lineage;

/// <summary>The edge types of the lineage graph. An edge always points from upstream to downstream.</summary>
public static class LineageRelation
{
    /// <summary>A dataset or index built from another dataset.</summary>
    public const string DerivedFrom = "derived_from";

    /// <summary>A version made by a process: a dataset by a preprocessing version, a model or prompt by a run.</summary>
    public const string ProducedBy = "produced_by";

    /// <summary>An input read by a process: a source blob by preprocessing, a dataset by a training run.</summary>
    public const string Used = "used";

    /// <summary>A dataset or index a run evaluated on.</summary>
    public const string EvaluatedOn = "evaluated_on";

    /// <summary>A model or prompt version and the deployment that serves it.</summary>
    public const string DeployedAs = "deployed_as";

    /// <summary>The runs and versions a release decision (<c>gate:</c>) weighed, and that decision.</summary>
    public const string Decided = "decided";

    /// <summary>A release decision and the alias move it allowed (<c>alias:prompt:x@champion/4</c>), or the canary deployment it made stable.</summary>
    public const string Promoted = "promoted";

    /// <summary>A canary decision and the canary deployment it withdrew.</summary>
    public const string RolledBack = "rolled_back";

    /// <summary>A successor version written by erasure without a data subject's records.</summary>
    public const string ErasedFrom = "erased_from";

    public static IReadOnlyList<string> All { get; } = [DerivedFrom, ProducedBy, Used, EvaluatedOn, DeployedAs, Decided, Promoted, RolledBack, ErasedFrom];
}
