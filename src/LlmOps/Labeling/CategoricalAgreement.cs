namespace LlmOps.Labeling;

/// <summary>
/// Percent agreement, Fleiss' kappa and Gwet's AC1 of a categorical field, from one pass over the items. All three
/// share the observed agreement P̄: over items with two or more labels, the mean share of agreeing annotator pairs.
/// With the same number of labels per item, Fleiss' kappa is Fleiss (1971) exactly (statsmodels' <c>fleiss_kappa</c>);
/// with missing labels it is the usual generalisation (each item's P_i over its own n_i, chance from the pooled labels
/// of those items). AC1 follows Gwet (2008), stable where kappa collapses on skewed categories. Krippendorff's nominal
/// alpha comes from the same sums: an item's differing ordered pairs are m² - Σ n_ic², its agreeing ones Σ n_ic² - m,
/// and alpha's pooled values are Fleiss' pooled labels (so it equals <see cref="KrippendorffAlpha"/> with the nominal
/// metric). Each is null when undefined (no item with two labels; chance agreement of 1; no variation).
/// </summary>
public sealed record CategoricalAgreement(double? PercentAgreement, double? FleissKappa, double? GwetAc1, double? NominalAlpha, int PairableItems)
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
        // Integer sums grouped by m, the number of labels of an item (at most one per annotator), divided once at the
        // end: per m, the labels of each category (Gwet's pi_k sums r_ik / r_i; Fleiss' p_c counts the labels of items
        // with two or more) and the agreeing ordered pairs Σ n_ic (n_ic - 1).
        var categoriesByM = new long[(labels.AnnotatorCount + 1) * k];
        var agreeingByM = new long[labels.AnnotatorCount + 1];
        var itemsByM = new int[labels.AnnotatorCount + 1];
        for (var item = 0; item < labels.ItemCount; item++)
        {
            var values = labels.CategoriesOf(item);
            var m = values.Length;
            if (m == 0)
            {
                continue;
            }

            var row = categoriesByM.AsSpan(m * k, k);
            foreach (var c in values)
            {
                row[c]++;
            }

            agreeingByM[m] += CategoryCounts.SumOfSquares(values, counts) - m;
            itemsByM[m]++;
        }

        var pooled = new double[k];      // labels of pairable items, per category (Fleiss' p_c)
        var shares = new double[k];      // sum over rated items of r_ik / r_i (Gwet's pi_k)
        double agreement = 0;
        var pairable = 0;
        var rated = 0;
        for (var m = 1; m < itemsByM.Length; m++)
        {
            rated += itemsByM[m];
            for (var c = 0; c < k; c++)
            {
                shares[c] += (double)categoriesByM[(m * k) + c] / m;
                if (m >= 2)
                {
                    pooled[c] += categoriesByM[(m * k) + c];
                }
            }

            if (m >= 2)
            {
                pairable += itemsByM[m];
                agreement += agreeingByM[m] / ((double)m * (m - 1));
            }
        }

        if (pairable == 0)
        {
            return new CategoricalAgreement(null, null, null, null, 0);
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

        // Alpha = 1 - (n - 1) Σ_u differing_u / (m_u - 1) / (n² - Σ n_c²), n the pairable labels.
        double differing = 0;
        for (var m = 2; m < itemsByM.Length; m++)
        {
            differing += ((((long)m * m * itemsByM[m]) - (agreeingByM[m] + ((long)m * itemsByM[m]))) / (double)(m - 1));
        }

        var expected = (total * total) - pooled.Sum(c => c * c);
        double? alpha = total <= 1 || expected <= 0 ? null : 1 - ((total - 1) * differing / expected);
        return new CategoricalAgreement(observed, fleiss, ac1, alpha, pairable);
    }
}
