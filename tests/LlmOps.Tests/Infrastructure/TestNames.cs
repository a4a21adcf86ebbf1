namespace LlmOps.Tests.Infrastructure;

/// <summary>Unique, valid names for containers, queues, tables and functions, so tests share one Azurite safely.</summary>
public static class TestNames
{
    public static string Container(string purpose) => $"{purpose}-{Suffix()}".ToLowerInvariant();

    public static string Queue(string purpose) => $"{purpose}-{Suffix()}".ToLowerInvariant();

    public static string Table(string purpose) => $"{purpose}{Suffix()}";

    public static string Function(string purpose) => $"{purpose}{Suffix()}";

    private static string Suffix() => Guid.NewGuid().ToString("N")[..12];
}
