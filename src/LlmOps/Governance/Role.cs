namespace LlmOps.Governance;

/// <summary>
/// What a principal may do for a feature (or every feature). Every role can read; <see cref="Admin"/> can do anything;
/// the others are separate duties, so granting one does not grant another.
/// </summary>
public enum Role
{
    /// <summary>Reads datasets, runs, lineage, reports.</summary>
    Reader,

    /// <summary>Ingests, tracks runs, registers versions, posts traces and scores, refreshes indexes.</summary>
    Contributor,

    /// <summary>Publishes labeling batches, adjudicates disagreements.</summary>
    Labeler,

    /// <summary>Makes changes that reach production: alias moves, deployments, canary decisions, lifecycle publishes.</summary>
    Approver,

    /// <summary>Everything, including roles, keys and poison queues.</summary>
    Admin,
}
