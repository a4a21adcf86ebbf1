using LlmOps.Development;
using LlmOps.Storage;

namespace LlmOps.Tests.Infrastructure;

/// <summary>One Azurite for the whole test run, started on first use and stopped when the test process exits.</summary>
public static class SharedAzurite
{
    private static readonly Lazy<Task<AzuriteServer>> Server = new(() => AzuriteServer.StartAsync(new AzuriteOptions()));

    public static Task<AzuriteServer> GetAsync() => Server.Value;

    public static async Task<StorageAccount> AccountAsync(string? prefix = null) => new((await GetAsync()).ConnectionString, prefix);
}
