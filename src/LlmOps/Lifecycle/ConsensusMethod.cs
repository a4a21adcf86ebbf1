namespace LlmOps.Lifecycle;

/// <summary>How the labels of several annotators become one label per item.</summary>
public enum ConsensusMethod
{
    /// <summary>The most frequent label; confidence is its share of the item's labels; a tie has no winner.</summary>
    MajorityVote,

    /// <summary>
    /// Dawid and Skene (1979): expectation-maximisation over each annotator's confusion matrix and the class priors,
    /// so a careless or adversarial annotator's votes count for less; confidence is the posterior of the chosen label.
    /// </summary>
    DawidSkene,
}
