namespace LlmOps.Labeling;

/// <summary>
/// The labels of one field, stored per item (compressed rows): which annotators labeled each item and with what value.
/// Categorical and ordinal values are category indices (0 to <see cref="Categories"/> - 1, in the schema's order);
/// numeric values are the numbers themselves (<see cref="Categories"/> is 0). A missing label is simply absent.
/// </summary>
public sealed class LabelMatrix
{
    private readonly int[] _offsets;
    private readonly int[] _annotators;
    private readonly double[] _values;
    private readonly int[]? _categories;

    private LabelMatrix(int items, int annotators, int categories, int[] offsets, int[] annotatorOf, double[] values)
    {
        ItemCount = items;
        AnnotatorCount = annotators;
        Categories = categories;
        _offsets = offsets;
        _annotators = annotatorOf;
        _values = values;
        _categories = categories > 0 ? [.. values.Select(v => (int)v)] : null;
    }

    public int ItemCount { get; }

    public int AnnotatorCount { get; }

    /// <summary>Number of categories of a categorical or ordinal field; 0 for a numeric field.</summary>
    public int Categories { get; }

    public bool IsCategorical => Categories > 0;

    public int LabelCount => _values.Length;

    /// <summary>The annotators of one item's labels.</summary>
    public ReadOnlySpan<int> AnnotatorsOf(int item) => _annotators.AsSpan(_offsets[item], _offsets[item + 1] - _offsets[item]);

    /// <summary>One item's label values, in the order of <see cref="AnnotatorsOf"/>.</summary>
    public ReadOnlySpan<double> ValuesOf(int item) => _values.AsSpan(_offsets[item], _offsets[item + 1] - _offsets[item]);

    /// <summary>One item's labels as category indices (categorical fields only), in the order of <see cref="AnnotatorsOf"/>.</summary>
    public ReadOnlySpan<int> CategoriesOf(int item) => (_categories ?? throw new InvalidOperationException("a numeric field has no categories"))
        .AsSpan(_offsets[item], _offsets[item + 1] - _offsets[item]);

    /// <summary>Builds a matrix from labels in any order; an annotator labeling the same item twice is an error.</summary>
    public static LabelMatrix Create(int items, int annotators, int categories, IReadOnlyList<(int Item, int Annotator, double Value)> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        ArgumentOutOfRangeException.ThrowIfNegative(annotators);
        ArgumentOutOfRangeException.ThrowIfNegative(categories);
        var offsets = new int[items + 1];
        foreach (var (item, annotator, value) in labels)
        {
            if ((uint)item >= (uint)items || (uint)annotator >= (uint)annotators)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), $"label ({item}, {annotator}) is outside {items} items x {annotators} annotators");
            }

            if (categories > 0 && (value < 0 || value >= categories || value != Math.Floor(value)))
            {
                throw new ArgumentOutOfRangeException(nameof(labels), $"category {value} is not one of 0..{categories - 1}");
            }

            if (!double.IsFinite(value))
            {
                throw new ArgumentOutOfRangeException(nameof(labels), $"value {value} is not a finite number");
            }

            offsets[item + 1]++;
        }

        for (var i = 0; i < items; i++)
        {
            offsets[i + 1] += offsets[i];
        }

        // Counting sort by item, keeping each item's labels in input order.
        var next = offsets[..^1];
        var annotatorOf = new int[labels.Count];
        var values = new double[labels.Count];
        foreach (var (item, annotator, value) in labels)
        {
            var at = next[item]++;
            for (var j = offsets[item]; j < at; j++)
            {
                if (annotatorOf[j] == annotator)
                {
                    throw new ArgumentException($"annotator {annotator} labels item {item} more than once", nameof(labels));
                }
            }

            annotatorOf[at] = annotator;
            values[at] = value;
        }

        return new LabelMatrix(items, annotators, categories, offsets, annotatorOf, values);
    }
}
