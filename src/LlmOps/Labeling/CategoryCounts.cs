namespace LlmOps.Labeling;

/// <summary>Per-item category counts, the sums that agreement within an item rests on.</summary>
internal static class CategoryCounts
{
    /// <summary>
    /// Σ n_c² over the categories of one item's labels: its ordered pairs of equal labels plus the labels themselves.
    /// <paramref name="scratch"/> (one slot per category, all zero) is left all zero again.
    /// </summary>
    public static long SumOfSquares(ReadOnlySpan<int> codes, int[] scratch)
    {
        long squares = 0;
        foreach (var code in codes)
        {
            squares += (2 * scratch[code]) + 1; // (n + 1)² - n²: the running sum of squares
            scratch[code]++;
        }

        foreach (var code in codes)
        {
            scratch[code] = 0;
        }

        return squares;
    }
}
