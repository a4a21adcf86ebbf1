using LlmOps.LocalHost;

// The local host alone, for scripts and debugging: point it at storage with LlmOps:Storage:ConnectionString
// (or AzureWebJobsStorage). `llmops up` runs Azurite and this host together.
await using var host = LocalFunctionHost.Create(new LocalFunctionHostSettings { Args = args });
await host.RunAsync();
