using Azure.Core;
using Azure.Identity;
using LlmOps.Errors;
using Microsoft.Extensions.Configuration;

namespace LlmOps.Storage;

/// <summary>
/// Which storage account the settings name, read the way the Functions host reads its own: a connection string
/// (<c>LlmOps:Storage:ConnectionString</c>, else <c>AzureWebJobsStorage</c>), or an identity-based connection
/// (<c>AzureWebJobsStorage__blobServiceUri</c>, <c>__queueServiceUri</c>, <c>__tableServiceUri</c>, or
/// <c>__accountName</c>; <c>__credential=managedidentity</c> with an optional <c>__clientId</c>, else
/// <c>DefaultAzureCredential</c>). Only outside Azure does a missing setting fall back to the local emulator: in Azure
/// (<c>WEBSITE_INSTANCE_ID</c> or <c>WEBSITE_SITE_NAME</c> set) it is a startup error naming the settings.
/// </summary>
public static class StorageConnection
{
    public const string HostSetting = "AzureWebJobsStorage";

    public static StorageAccount Create(IConfiguration configuration, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        if (FirstNonEmpty(options.ConnectionString, configuration[HostSetting]) is { } connectionString)
        {
            return new StorageAccount(connectionString, options.Prefix);
        }

        var section = configuration.GetSection(HostSetting);
        if (Endpoints(section) is { } endpoints)
        {
            return new StorageAccount(endpoints.Blob, endpoints.Queue, endpoints.Table, Credential(section), options.Prefix);
        }

        if (InAzure(configuration))
        {
            throw LlmOpsException.Invalid(
                $"No storage account is configured. Set {HostSetting}__blobServiceUri, {HostSetting}__queueServiceUri and {HostSetting}__tableServiceUri " +
                $"(or {HostSetting}__accountName) with {HostSetting}__credential=managedidentity and {HostSetting}__clientId for a user-assigned identity, " +
                $"or a connection string in {HostSetting}. Running in Azure, LlmOps does not fall back to the local emulator.");
        }

        return new StorageAccount(StorageAccount.DevelopmentStorage, options.Prefix);
    }

    /// <summary>True in an Azure App Service or Functions instance.</summary>
    public static bool InAzure(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrEmpty(configuration["WEBSITE_INSTANCE_ID"]) || !string.IsNullOrEmpty(configuration["WEBSITE_SITE_NAME"]);
    }

    private static (Uri Blob, Uri Queue, Uri Table)? Endpoints(IConfigurationSection section)
    {
        if (FirstNonEmpty(section["accountName"]) is { } account)
        {
            return (Service(account, "blob"), Service(account, "queue"), Service(account, "table"));
        }

        var blob = section["blobServiceUri"];
        var queue = section["queueServiceUri"];
        var table = section["tableServiceUri"];
        if (string.IsNullOrWhiteSpace(blob) && string.IsNullOrWhiteSpace(queue) && string.IsNullOrWhiteSpace(table))
        {
            return null;
        }

        return (Required(blob, "blobServiceUri"), Required(queue, "queueServiceUri"), Required(table, "tableServiceUri"));

        static Uri Service(string account, string service) => new($"https://{account}.{service}.core.windows.net/");

        static Uri Required(string? value, string name) =>
            Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps
                ? uri
                : throw LlmOpsException.Invalid(
                    string.IsNullOrWhiteSpace(value)
                        ? $"{HostSetting}__{name} is missing: an identity-based connection needs the blob, queue and table service URIs."
                        : $"{HostSetting}__{name} '{value}' is not an https URI (tokens are only sent over TLS).");
    }

    private static TokenCredential Credential(IConfigurationSection section)
    {
        var clientId = FirstNonEmpty(section["clientId"]);
        return section["credential"] switch
        {
            null or "" => new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId }),
            var kind when kind.Equals("managedidentity", StringComparison.OrdinalIgnoreCase) => clientId is null
                ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId)),
            var other => throw LlmOpsException.Invalid($"{HostSetting}__credential is '{other}': the only value is 'managedidentity' (leave it out to use DefaultAzureCredential)."),
        };
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
