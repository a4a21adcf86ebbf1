namespace LlmOps.Lifecycle;

/// <summary>An enum member as the lifecycle file and reports spell it: <c>DawidSkene</c> is <c>dawid_skene</c>.</summary>
internal static class SnakeCase
{
    public static string Of<T>(T value)
        where T : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
