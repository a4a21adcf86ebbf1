namespace LlmOps.Labeling;

/// <summary>
/// Who labels what: each item goes to <c>overlap</c> different annotators, always those with the fewest items so far
/// (ties broken by a seeded order), so loads differ by at most one; the same items, annotators and seed give the same
/// assignment.
/// </summary>
public static class TaskAssignment
{
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Assign(IReadOnlyList<string> items, IReadOnlyList<string> annotators, int overlap, int seed)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(annotators);
        ArgumentOutOfRangeException.ThrowIfLessThan(overlap, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(overlap, annotators.Count);
        var random = new Random(seed);
        var load = annotators.ToDictionary(a => a, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var item in items)
        {
            var order = annotators.Select(a => (Annotator: a, Tie: random.Next())).ToList();
            foreach (var (annotator, _) in order.OrderBy(o => load[o.Annotator].Count).ThenBy(o => o.Tie).Take(overlap))
            {
                load[annotator].Add(item);
            }
        }

        return load.ToDictionary(l => l.Key, l => (IReadOnlyList<string>)l.Value, StringComparer.Ordinal);
    }
}
