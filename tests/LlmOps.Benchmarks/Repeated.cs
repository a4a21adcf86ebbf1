using System.Diagnostics;
using System.Globalization;

namespace LlmOps.Benchmarks;

/// <summary>
/// A measurement taken several times after a warm-up: the median is the figure quoted, min and max show the spread.
/// Every ratio is taken within one repetition (candidate and baseline measured back to back), then summarised.
/// </summary>
internal sealed class Repeated
{
    /// <summary>Repetitions after the warm-up; at least 5. Set with --runs.</summary>
    public static int Runs { get; set; } = 5;

    private Repeated(IReadOnlyList<double> values) => Values = [.. values.Order()];

    public IReadOnlyList<double> Values { get; }

    public double Median => Values.Count % 2 == 1 ? Values[Values.Count / 2] : (Values[(Values.Count / 2) - 1] + Values[Values.Count / 2]) / 2;

    public double Min => Values[0];

    public double Max => Values[^1];

    public static Repeated Of(IEnumerable<double> values) => new([.. values]);

    /// <summary>Runs <paramref name="once"/> once to warm up (JIT, caches, Azurite), then <see cref="Runs"/> times.</summary>
    public static async Task<IReadOnlyList<T>> RunAsync<T>(Func<int, Task<T>> once)
    {
        await once(-1);
        var results = new List<T>(Runs);
        for (var i = 0; i < Runs; i++)
        {
            results.Add(await once(i));
        }

        return results;
    }

    /// <summary>Seconds one synchronous step takes, warm-up first.</summary>
    public static Repeated Seconds(Action step) => Of(RunAsync(_ =>
    {
        var clock = Stopwatch.StartNew();
        step();
        return Task.FromResult(clock.Elapsed.TotalSeconds);
    }).GetAwaiter().GetResult());

    /// <summary>"median unit (min .. max, n runs)".</summary>
    public string Format(string format, string unit = "") =>
        string.Create(CultureInfo.InvariantCulture, $"{Median.ToString(format, CultureInfo.InvariantCulture)}{unit} (min {Min.ToString(format, CultureInfo.InvariantCulture)}, max {Max.ToString(format, CultureInfo.InvariantCulture)}, {Values.Count} runs)");
}
