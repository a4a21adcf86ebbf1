using System.Globalization;

namespace LlmOps.Lifecycle;

/// <summary>
/// A release criterion from the lifecycle's <c>gates.promote</c> (bounds on run metrics) or <c>gates.evaluation</c>, with MLflow's fields: absolute bounds on the
/// candidate's value (<see cref="Min"/>, <see cref="Max"/>) and, relative to the baseline (the champion), the change
/// it must make (<see cref="MinAbsoluteChange"/>, <see cref="MinRelativeChange"/> of the baseline's value) in the
/// metric's better direction. A change of 0 means "no worse than the baseline"; a negative one tolerates that much
/// loss. Against a baseline a shortfall counts only when the difference's whole confidence interval is short of the bar.
/// </summary>
public sealed record ReleaseGate(
    string Metric,
    double? Min,
    double? Max,
    double? MinAbsoluteChange = null,
    double? MinRelativeChange = null,
    bool? GreaterIsBetter = null)
{
    /// <summary>A canary gate's minimum of observations in each arm before it decides (<c>min_requests</c>; default 30).</summary>
    public int? MinRequests { get; init; }

    /// <summary>Whether the gate compares with a baseline at all.</summary>
    public bool ComparesWithBaseline => MinAbsoluteChange is not null || MinRelativeChange is not null;

    /// <summary>Why <paramref name="value"/> fails this gate's bounds (null when it passes, or "missing" when there is no value).</summary>
    public string? Check(double? value)
    {
        if (value is not { } v)
        {
            return $"metric '{Metric}' was not logged by the run (gate needs {Bounds})";
        }

        if (Min is { } min && !(v >= min))
        {
            return $"metric '{Metric}' = {v.ToString("G6", CultureInfo.InvariantCulture)} is below min {min.ToString(CultureInfo.InvariantCulture)}";
        }

        return Max is { } max && !(v <= max)
            ? $"metric '{Metric}' = {v.ToString("G6", CultureInfo.InvariantCulture)} is above max {max.ToString(CultureInfo.InvariantCulture)}"
            : null;
    }

    /// <summary>The bar the change (in the better direction) must reach against <paramref name="baseline"/>: the larger of the absolute and the relative requirement.</summary>
    public double? ChangeBar(double baseline)
    {
        if (!ComparesWithBaseline)
        {
            return null;
        }

        var bar = double.NegativeInfinity;
        if (MinAbsoluteChange is { } absolute)
        {
            bar = Math.Max(bar, absolute);
        }

        if (MinRelativeChange is { } relative)
        {
            bar = Math.Max(bar, relative * Math.Abs(baseline));
        }

        return bar;
    }

    public string Bounds => (Min, Max) switch
    {
        ({ } min, { } max) => $"{min.ToString(CultureInfo.InvariantCulture)} <= value <= {max.ToString(CultureInfo.InvariantCulture)}",
        ({ } min, null) => $">= {min.ToString(CultureInfo.InvariantCulture)}",
        (null, { } max) => $"<= {max.ToString(CultureInfo.InvariantCulture)}",
        _ => "a value",
    };
}
