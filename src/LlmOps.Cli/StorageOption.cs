using System.CommandLine;
using LlmOps.Storage;
using Microsoft.Extensions.Configuration;

namespace LlmOps.Cli;

/// <summary>
/// The --connection-string option of commands that work on an existing account (default: `llmops up`'s Azurite), and
/// the global --storage-prefix option that keeps several installations (or test runs) apart in one account.
/// </summary>
internal static class StorageOption
{
    public const string PrefixName = "--storage-prefix";

    public static Option<string> Create() => new("--connection-string")
    {
        Description = "Storage account to use (default: $LLMOPS_STORAGE, else the local Azurite that `llmops up` runs).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LLMOPS_STORAGE") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : StorageAccount.DevelopmentStorage,
    };

    /// <summary>The root command's recursive --storage-prefix option.</summary>
    public static Option<string?> CreatePrefix() => new(PrefixName)
    {
        Description = "Put before every container, queue and table name (default: $LLMOPS_STORAGE_PREFIX, else none).",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LLMOPS_STORAGE_PREFIX") is { Length: > 0 } fromEnvironment ? fromEnvironment : null,
    };

    public static string? Prefix(ParseResult parse) => parse.GetValue<string?>(PrefixName);

    /// <summary>The account, provisioned: every container, queue and table exists when the command runs.</summary>
    public static async Task<StorageAccount> AccountAsync(ParseResult parse, Option<string> connection, CancellationToken cancellationToken)
    {
        var storage = ConnectionString(parse, connection) is { } connectionString
            ? new StorageAccount(connectionString, Prefix(parse))
            : StorageConnection.Create(new ConfigurationBuilder().AddEnvironmentVariables().Build(), new StorageOptions { Prefix = Prefix(parse) });
        await StorageProvisioner.EnsureAsync(storage, cancellationToken);
        return storage;
    }

    /// <summary>Every service over the account, provisioned.</summary>
    public static async Task<LlmOpsClient> ClientAsync(ParseResult parse, Option<string> connection, CancellationToken cancellationToken)
    {
        var client = new LlmOpsClient(ConnectionString(parse, connection), Prefix(parse));
        try
        {
            await client.ProvisionAsync(cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The connection string to use, or null for the identity-based account of the environment: when
    /// --connection-string and $LLMOPS_STORAGE are both unset and <c>AzureWebJobsStorage__blobServiceUri</c> (or
    /// <c>__accountName</c>) is, as `azd env get-values` gives them, the CLI signs in with DefaultAzureCredential.
    /// </summary>
    private static string? ConnectionString(ParseResult parse, Option<string> connection)
    {
        var given = parse.GetResult(connection) is { Implicit: false };
        var identity = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AzureWebJobsStorage__blobServiceUri"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AzureWebJobsStorage__accountName"));
        return !given && identity && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("LLMOPS_STORAGE")) ? null : parse.GetValue(connection)!;
    }
}
