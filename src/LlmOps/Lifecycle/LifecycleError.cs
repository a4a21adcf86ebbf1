namespace LlmOps.Lifecycle;

/// <summary>One problem in a lifecycle file: where it is, which field, and what was expected there.</summary>
public sealed record LifecycleError(int Line, int Column, string Field, string Expected, string? Found)
{
    public override string ToString() =>
        $"line {Line}, column {Column}: {Field}: expected {Expected}" + (Found is null ? "" : $", found {Found}");
}
