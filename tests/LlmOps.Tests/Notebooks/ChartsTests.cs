using LlmOps.Notebooks;

namespace LlmOps.Tests.Notebooks;

public sealed class ChartsTests
{
    [Fact]
    public void Line_AMissingValueBreaksItsSeries_AndEveryPointHasItsTooltip()
    {
        var chart = Charts.Line(
            "p95",
            ["d1", "d2", "d3", "d4"],
            new Dictionary<string, IReadOnlyList<double?>> { ["v1"] = [100, 200, 300, 400], ["v2"] = [null, 250, null, 450] },
            " ms");

        Assert.StartsWith("<svg", chart.Html, StringComparison.Ordinal);
        var paths = chart.Html.Split("<path d=\"")[1..].Select(p => p[..p.IndexOf('"', StringComparison.Ordinal)]).ToList();
        Assert.Equal(2, paths.Count);
        Assert.Equal(1, paths[0].Count(c => c == 'M'));
        Assert.Equal(3, paths[0].Count(c => c == 'L'));
        Assert.Equal(2, paths[1].Count(c => c == 'M'));
        Assert.Equal(0, paths[1].Count(c => c == 'L'));
        Assert.Contains("<title>d4 v2: 450 ms</title>", chart.Html, StringComparison.Ordinal);
        Assert.Equal(6, chart.Html.Split("<circle").Length - 1);
        Assert.Contains("d2 v1: 200 ms", chart.Text, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Charts.Line("x", ["a"], new Dictionary<string, IReadOnlyList<double?>> { ["s"] = [1, 2] }));
    }
}
