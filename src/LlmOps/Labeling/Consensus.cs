using LlmOps.Lifecycle;

namespace LlmOps.Labeling;

/// <summary>
/// The consensus of a field's labels: one <see cref="ConsensusLabel"/> per item, and for Dawid-Skene the estimated
/// confusion matrix of each annotator (rows: true category, columns: the label given; row-normalised) and the class
/// priors. Numeric fields take the median, with a confidence of 1 - spread / scale.
/// </summary>
public sealed record Consensus(ConsensusMethod Method, IReadOnlyList<ConsensusLabel> Items, IReadOnlyList<double[,]>? AnnotatorConfusion, double[]? Priors, int Iterations)
{
    public const int MaxIterations = 200;

    public const double Tolerance = 1e-7;

    public static Consensus Compute(LabelMatrix labels, ConsensusMethod method, double numericScale = 1)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!labels.IsCategorical)
        {
            return Median(labels, method, numericScale);
        }

        return method == ConsensusMethod.DawidSkene ? DawidSkene(labels) : MajorityVote(labels);
    }

    public static Consensus MajorityVote(LabelMatrix labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var votes = new double[labels.Categories];
        var items = new ConsensusLabel[labels.ItemCount];
        for (var item = 0; item < labels.ItemCount; item++)
        {
            var values = labels.ValuesOf(item);
            Array.Clear(votes);
            foreach (var v in values)
            {
                votes[(int)v]++;
            }

            items[item] = Decide(item, votes, values.Length);
        }

        return new Consensus(ConsensusMethod.MajorityVote, items, null, null, 0);
    }

    public static Consensus DawidSkene(LabelMatrix labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var k = labels.Categories;
        var annotators = labels.AnnotatorCount;
        // Start from the majority vote's shares (soft), as Dawid and Skene do.
        var posterior = new double[labels.ItemCount, k];
        for (var item = 0; item < labels.ItemCount; item++)
        {
            var values = labels.ValuesOf(item);
            foreach (var v in values)
            {
                posterior[item, (int)v] += 1.0 / values.Length;
            }
        }

        var confusion = Enumerable.Range(0, annotators).Select(_ => new double[k, k]).ToArray();
        var priors = new double[k];
        var iterations = 0;
        var logLikelihood = double.NegativeInfinity;
        var logs = new double[k];
        while (iterations < MaxIterations)
        {
            iterations++;
            // M step: priors and each annotator's confusion matrix from the current posteriors (add-0.01 smoothing keeps
            // a never-seen cell from zeroing an item's posterior).
            Array.Clear(priors);
            foreach (var matrix in confusion)
            {
                for (var t = 0; t < k; t++)
                {
                    for (var l = 0; l < k; l++)
                    {
                        matrix[t, l] = 0.01;
                    }
                }
            }

            var rated = 0;
            for (var item = 0; item < labels.ItemCount; item++)
            {
                var who = labels.AnnotatorsOf(item);
                if (who.Length == 0)
                {
                    continue;
                }

                rated++;
                var values = labels.ValuesOf(item);
                for (var t = 0; t < k; t++)
                {
                    var p = posterior[item, t];
                    priors[t] += p;
                    for (var j = 0; j < who.Length; j++)
                    {
                        confusion[who[j]][t, (int)values[j]] += p;
                    }
                }
            }

            for (var t = 0; t < k; t++)
            {
                priors[t] = (priors[t] + 0.01) / (rated + (0.01 * k));
            }

            foreach (var matrix in confusion)
            {
                for (var t = 0; t < k; t++)
                {
                    double row = 0;
                    for (var l = 0; l < k; l++)
                    {
                        row += matrix[t, l];
                    }

                    for (var l = 0; l < k; l++)
                    {
                        matrix[t, l] /= row;
                    }
                }
            }

            // E step: each item's posterior over the true category, in logs.
            double total = 0;
            for (var item = 0; item < labels.ItemCount; item++)
            {
                var who = labels.AnnotatorsOf(item);
                if (who.Length == 0)
                {
                    continue;
                }

                var values = labels.ValuesOf(item);
                var max = double.NegativeInfinity;
                for (var t = 0; t < k; t++)
                {
                    logs[t] = Math.Log(priors[t]);
                    for (var j = 0; j < who.Length; j++)
                    {
                        logs[t] += Math.Log(confusion[who[j]][t, (int)values[j]]);
                    }

                    max = Math.Max(max, logs[t]);
                }

                double sum = 0;
                for (var t = 0; t < k; t++)
                {
                    sum += Math.Exp(logs[t] - max);
                }

                for (var t = 0; t < k; t++)
                {
                    posterior[item, t] = Math.Exp(logs[t] - max) / sum;
                }

                total += max + Math.Log(sum);
            }

            if (Math.Abs(total - logLikelihood) <= Tolerance * Math.Max(1, Math.Abs(total)))
            {
                break;
            }

            logLikelihood = total;
        }

        var items = new ConsensusLabel[labels.ItemCount];
        var scores = new double[k];
        for (var item = 0; item < labels.ItemCount; item++)
        {
            for (var t = 0; t < k; t++)
            {
                scores[t] = posterior[item, t];
            }

            items[item] = labels.ValuesOf(item).Length == 0 ? new ConsensusLabel(item, null, 0, false) : Decide(item, scores, 1);
        }

        return new Consensus(ConsensusMethod.DawidSkene, items, confusion, priors, iterations);
    }

    /// <summary>The winner of <paramref name="scores"/> (votes or posteriors) and its share of <paramref name="total"/>; a tie has none.</summary>
    private static ConsensusLabel Decide(int item, double[] scores, double total)
    {
        if (total == 0)
        {
            return new ConsensusLabel(item, null, 0, false);
        }

        var best = 0;
        var tied = false;
        for (var c = 1; c < scores.Length; c++)
        {
            if (scores[c] > scores[best] + 1e-12)
            {
                best = c;
                tied = false;
            }
            else if (Math.Abs(scores[c] - scores[best]) <= 1e-12)
            {
                tied = true;
            }
        }

        return new ConsensusLabel(item, tied ? null : best, scores[best] / total, tied);
    }

    private static Consensus Median(LabelMatrix labels, ConsensusMethod method, double scale)
    {
        var items = new ConsensusLabel[labels.ItemCount];
        for (var item = 0; item < labels.ItemCount; item++)
        {
            var values = labels.ValuesOf(item).ToArray();
            if (values.Length == 0)
            {
                items[item] = new ConsensusLabel(item, null, 0, false);
                continue;
            }

            Array.Sort(values);
            var middle = values.Length / 2;
            var median = values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
            var spread = values[^1] - values[0];
            items[item] = new ConsensusLabel(item, median, Math.Clamp(1 - (spread / Math.Max(scale, double.Epsilon)), 0, 1), false);
        }

        return new Consensus(method, items, null, null, 0);
    }
}
