using System.Globalization;

namespace LlmOps.Lifecycle;

/// <summary>A release criterion from the lifecycle's <c>gates.promote</c>: the run behind a version must have logged this metric within bounds.</summary>
public sealed record ReleaseGate(string Metric, double? Min, double? Max)
{
    /// <summary>Why <paramref name="value"/> fails this gate (null when it passes, or "missing" when there is no value).</summary>
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

    public string Bounds => (Min, Max) switch
    {
        ({ } min, { } max) => $"{min.ToString(CultureInfo.InvariantCulture)} <= value <= {max.ToString(CultureInfo.InvariantCulture)}",
        ({ } min, null) => $">= {min.ToString(CultureInfo.InvariantCulture)}",
        (null, { } max) => $"<= {max.ToString(CultureInfo.InvariantCulture)}",
        _ => "a value",
    };
}
