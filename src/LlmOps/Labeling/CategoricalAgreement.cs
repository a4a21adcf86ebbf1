namespace LlmOps.Labeling;

/// <summary>
/// Percent agreement, Fleiss' kappa and Gwet's AC1 of a categorical field, from one pass over the items. All three
/// share the observed agreement P̄: over items with two or more labels, the mean share of agreeing annotator pairs.
/// With the same number of labels per item, Fleiss' kappa is Fleiss (1971) exactly (statsmodels' <c>fleiss_kappa</c>);
/// with missing labels it is the usual generalisation (each item's P_i over its own n_i, chance from the pooled labels
/// of those items). AC1 follows Gwet (2008), stable where kappa collapses on skewed categories. Each is null when
/// undefined (no item with two labels; chance agreement of 1).
/// </summary>
public sealed record CategoricalAgreement(double? PercentAgreement, double? FleissKappa, double? GwetAc1, int PairableItems)
{
    public static CategoricalAgreement Compute(LabelMatrix labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!labels.IsCategorical)
        {
            throw new ArgumentException("percent agreement, Fleiss' kappa and AC1 need a categorical field", nameof(labels));
        }

        var k = labels.Categories;
        var counts = new int[k];
        var pooled = new double[k];      // labels of pairable items, per category (Fleiss' p_c)
        var shares = new double[k];      // sum over rated items of r_ik / r_i (Gwet's pi_k)
        double agreement = 0;
        var pairable = 0;
        var rated = 0;
        for (var item = 0; item < labels.ItemCount; item++)
        {
            var values = labels.ValuesOf(item);
            var m = values.Length;
            if (m == 0)
            {
                continue;
            }

            rated++;
            foreach (var v in values)
            {
                counts[(int)v]++;
            }

            double agreeing = 0;
            foreach (var v in values)
            {
                var c = (int)v;
                if (counts[c] > 0)
                {
                    shares[c] += (double)counts[c] / m;
                    if (m >= 2)
                    {
                        agreeing += (double)counts[c] * (counts[c] - 1);
                        pooled[c] += counts[c];
                    }

                    counts[c] = 0;
                }
            }

            if (m >= 2)
            {
                pairable++;
                agreement += agreeing / ((double)m * (m - 1));
            }
        }

        if (pairable == 0)
        {
            return new CategoricalAgreement(null, null, null, 0);
        }

        var observed = agreement / pairable;
        var total = pooled.Sum();
        var chance = pooled.Sum(c => (c / total) * (c / total));
        double? fleiss = chance >= 1 ? null : (observed - chance) / (1 - chance);
        double? ac1 = null;
        if (k >= 2)
        {
            var gwetChance = shares.Sum(s => (s / rated) * (1 - (s / rated))) / (k - 1);
            ac1 = gwetChance >= 1 ? null : (observed - gwetChance) / (1 - gwetChance);
        }

        return new CategoricalAgreement(observed, fleiss, ac1, pairable);
    }
}
