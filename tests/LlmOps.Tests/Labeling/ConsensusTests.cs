using LlmOps.Labeling;
using LlmOps.Lifecycle;

namespace LlmOps.Tests.Labeling;

public sealed class ConsensusTests
{
    [Fact]
    public void MajorityVote_TieAndShare_AreReported()
    {
        var labels = LabelMatrix.Create(3, 3, 3, [(0, 0, 1), (0, 1, 1), (0, 2, 2), (1, 0, 0), (1, 1, 2), (2, 2, 2)]);

        var consensus = Consensus.MajorityVote(labels);

        Assert.Equal(new ConsensusLabel(0, 1, 2.0 / 3, false), consensus.Items[0]);
        Assert.Equal(new ConsensusLabel(1, null, 0.5, true), consensus.Items[1]);
        Assert.Equal(new ConsensusLabel(2, 2, 1, false), consensus.Items[2]);
    }

    [Fact]
    public void Median_NumericLabels_ConfidenceFallsWithSpread()
    {
        var labels = LabelMatrix.Create(2, 3, 0, [(0, 0, 4), (0, 1, 4), (0, 2, 4), (1, 0, 1), (1, 1, 3), (1, 2, 5)]);

        var consensus = Consensus.Compute(labels, ConsensusMethod.MajorityVote, numericScale: 4);

        Assert.Equal(new ConsensusLabel(0, 4, 1, false), consensus.Items[0]);
        Assert.Equal(new ConsensusLabel(1, 3, 0, false), consensus.Items[1]);
    }

    /// <summary>
    /// A simulation: 600 items with a known true category of 3, each labeled by 3 of 5 annotators. Four are right 75%
    /// of the time (else a random other category); the planted fifth almost always answers the next category instead.
    /// Dawid-Skene must find the fifth's confusion matrix (a shifted diagonal) and so beat the majority vote.
    /// </summary>
    [Fact]
    public void DawidSkene_PlantedBadAnnotator_IsRecoveredAndBeatsMajorityVote()
    {
        var random = new Random(11);
        const int items = 600, k = 3;
        var truth = Enumerable.Range(0, items).Select(_ => random.Next(k)).ToArray();
        var labels = new List<(int, int, double)>();
        for (var item = 0; item < items; item++)
        {
            foreach (var annotator in Enumerable.Range(0, 5).OrderBy(_ => random.Next()).Take(3))
            {
                int value;
                if (annotator == 4)
                {
                    value = random.NextDouble() < 0.9 ? (truth[item] + 1) % k : truth[item];
                }
                else
                {
                    value = random.NextDouble() < 0.75 ? truth[item] : (truth[item] + 1 + random.Next(k - 1)) % k;
                }

                labels.Add((item, annotator, value));
            }
        }

        var matrix = LabelMatrix.Create(items, 5, k, labels);
        var skene = Consensus.DawidSkene(matrix);
        var majority = Consensus.MajorityVote(matrix);

        var bad = skene.AnnotatorConfusion![4];
        for (var t = 0; t < k; t++)
        {
            Assert.InRange(bad[t, (t + 1) % k], 0.8, 1.0);
            Assert.InRange(bad[t, t], 0.0, 0.2);
        }

        foreach (var good in skene.AnnotatorConfusion.Take(4))
        {
            Assert.InRange(Enumerable.Range(0, k).Average(t => good[t, t]), 0.65, 0.85);
        }

        double Accuracy(Consensus c) => Enumerable.Range(0, items).Count(i => c.Items[i].Value == truth[i]) / (double)items;
        Assert.True(Accuracy(skene) >= Accuracy(majority) + 0.05, $"Dawid-Skene {Accuracy(skene):0.000}, majority {Accuracy(majority):0.000}");
        Assert.InRange(Accuracy(skene), 0.85, 1.0);
        Assert.InRange(skene.Iterations, 2, Consensus.MaxIterations - 1);
        Assert.All(skene.Items, i => Assert.InRange(i.Confidence, 1.0 / k, 1.0));
    }
}
