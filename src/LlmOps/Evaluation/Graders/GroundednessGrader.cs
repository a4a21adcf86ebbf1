using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmOps.Evaluation.Graders;

/// <summary>
/// Lexical groundedness: the share of the answer's sentences that the retrieved context supports, a sentence being
/// supported when at least <see cref="SupportThreshold"/> of its content words (normalized tokens that are not
/// stop words; citation markers removed) occur in the retrieved chunks. A cheap, explainable proxy for an LLM judge's
/// groundedness, graded only where something was retrieved and the answer has a sentence with content words.
/// </summary>
public sealed class GroundednessGrader : CodeGrader
{
    public const double SupportThreshold = 0.6;

    private static readonly HashSet<ulong> StopWords = new string[]
    {
        "i", "me", "my", "we", "our", "you", "your", "he", "she", "it", "its", "they", "them", "their", "this", "that",
        "these", "those", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "do", "does", "did",
        "and", "but", "if", "or", "because", "as", "until", "while", "of", "at", "by", "for", "with", "about", "to",
        "from", "in", "out", "on", "off", "over", "under", "then", "so", "than", "too", "very", "can", "will", "just",
        "not", "no", "please", "what", "which", "who", "how", "when", "where", "there", "here", "all", "any", "some",
    }.Select(AnswerText.Hash).ToHashSet();

    public override IReadOnlyCollection<string> EvaluationMetricNames { get; } = [EvalMetrics.Groundedness];

    /// <summary>The share of <paramref name="answer"/>'s sentences supported by <paramref name="context"/>; null when no sentence has content words.</summary>
    public static double? Score(string answer, IEnumerable<string> context)
    {
        var vocabulary = new HashSet<ulong>(256);
        foreach (var text in context)
        {
            AnswerText.AddTokenHashes(text, vocabulary);
        }

        int sentences = 0, supported = 0;
        var words = new List<ulong>();
        foreach (var sentence in AnswerText.Sentences(CitationGrader.WithoutCitations(answer)))
        {
            words.Clear();
            AnswerText.AddTokenHashes(sentence, words);
            int content = 0, found = 0;
            foreach (var word in words)
            {
                if (!StopWords.Contains(word))
                {
                    content++;
                    found += vocabulary.Contains(word) ? 1 : 0;
                }
            }

            if (content == 0)
            {
                continue;
            }

            sentences++;
            supported += found >= SupportThreshold * content ? 1 : 0;
        }

        return sentences == 0 ? null : (double)supported / sentences;
    }

    protected override void Grade(string answer, ChatResponse response, GradingContext context, List<EvaluationMetric> metrics)
    {
        if (context.Retrieved.Count > 0 && Score(answer, context.Retrieved.Select(c => c.Text)) is { } score)
        {
            metrics.Add(Score(EvalMetrics.Groundedness, score));
        }
    }
}
