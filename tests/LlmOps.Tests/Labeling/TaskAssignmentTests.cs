using LlmOps.Labeling;

namespace LlmOps.Tests.Labeling;

public sealed class TaskAssignmentTests
{
    private static readonly string[] Annotators = ["ana", "ben", "chloe", "dev", "eli"];

    [Theory]
    [InlineData(100, 2)]
    [InlineData(101, 3)]
    [InlineData(7, 5)]
    [InlineData(1, 1)]
    public void Assign_EachItemToOverlapAnnotators_LoadsWithinOne(int count, int overlap)
    {
        var items = Enumerable.Range(0, count).Select(i => $"item-{i}").ToList();

        var assignment = TaskAssignment.Assign(items, Annotators, overlap, seed: 7);

        Assert.All(items, item => Assert.Equal(overlap, assignment.Values.Count(list => list.Contains(item))));
        Assert.All(assignment.Values, list => Assert.Equal(list.Count, list.Distinct().Count()));
        var loads = assignment.Values.Select(l => l.Count).ToList();
        Assert.InRange(loads.Max() - loads.Min(), 0, 1);
        Assert.Equal(count * overlap, loads.Sum());
    }

    [Fact]
    public void Assign_SameSeed_SameAssignment_OtherSeed_Other()
    {
        var items = Enumerable.Range(0, 40).Select(i => $"item-{i}").ToList();
        var first = TaskAssignment.Assign(items, Annotators, 2, seed: 3);

        Assert.Equal(first.Select(p => string.Join(",", p.Value)), TaskAssignment.Assign(items, Annotators, 2, seed: 3).Select(p => string.Join(",", p.Value)));
        Assert.NotEqual(first.Select(p => string.Join(",", p.Value)), TaskAssignment.Assign(items, Annotators, 2, seed: 4).Select(p => string.Join(",", p.Value)));
        Assert.Throws<ArgumentOutOfRangeException>(() => TaskAssignment.Assign(items, Annotators, 6, seed: 1));
    }
}
