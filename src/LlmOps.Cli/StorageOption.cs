using System.CommandLine;

namespace LlmOps.Cli;

/// <summary>The --connection-string option of commands that work on an existing account (default: `llmops up`'s Azurite).</summary>
internal static class StorageOption
{
    public static Option<string> Create() => new("--connection-string")
    {
        Description = "Storage account to use (default: $LLMOPS_STORAGE, else the local Azurite that `llmops up` runs).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LLMOPS_STORAGE") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : LlmOps.Storage.StorageAccount.DevelopmentStorage,
    };
}
