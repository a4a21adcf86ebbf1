namespace LlmOps.Tests.Infrastructure;

/// <summary>Unique, valid names for containers, queues, tables and functions, so tests share one Azurite safely.</summary>
public static class TestNames
{
    public static string Container(string purpose) => $"{purpose}-{Suffix()}".ToLowerInvariant();

    public static string Queue(string purpose) => $"{purpose}-{Suffix()}".ToLowerInvariant();

    public static string Table(string purpose) => $"{purpose}{Suffix()}";

    public static string Function(string purpose) => $"{purpose}{Suffix()}";

    /// <summary>
    /// A storage prefix of a test's own (LlmOps:Storage:Prefix, --storage-prefix): its fixed-name queues, tables and
    /// containers (dataset-versions, actions, blob-poison, config, ...) are then its own, not shared with parallel tests.
    /// </summary>
    public static string Prefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    private static string Suffix() => Guid.NewGuid().ToString("N")[..12];
}
