using LlmOps.Development;
using LlmOps.Storage;

namespace LlmOps.Tests.Infrastructure;

/// <summary>One Azurite for the whole test run, started on first use and stopped when the test process exits.</summary>
public static class SharedAzurite
{
    private static readonly Lazy<Task<AzuriteServer>> Server = new(() => AzuriteServer.StartAsync(new AzuriteOptions()));

    public static Task<AzuriteServer> GetAsync() => Server.Value;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task>> Provisioned = new(StringComparer.Ordinal);

    /// <summary>The shared account under <paramref name="prefix"/>, provisioned once per prefix as a host or the CLI would.</summary>
    public static async Task<StorageAccount> AccountAsync(string? prefix = null)
    {
        var storage = new StorageAccount((await GetAsync()).ConnectionString, prefix);
        await Provisioned.GetOrAdd(prefix ?? "", _ => new Lazy<Task>(() => StorageProvisioner.EnsureAsync(storage))).Value;
        return storage;
    }
}
