using System.Diagnostics;

namespace LlmOps.Tests.EndToEnd;

public sealed class CliIdentityTests
{
    /// <summary>
    /// With the service URIs `azd env get-values` gives and no connection string, the CLI signs in with
    /// DefaultAzureCredential; with no sign-in available here, it says how to sign in and exits 7 (unauthorized), not
    /// with a stack trace and not against the local emulator. Run as its own process so the environment is its own.
    /// </summary>
    [Fact]
    public async Task ServiceUrisInTheEnvironment_NoSignIn_ClearUnauthorizedError()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "LlmOps.Cli.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", cli, "runs", "list"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment.Remove("LLMOPS_STORAGE");
        foreach (var service in new[] { "blob", "queue", "table" })
        {
            start.Environment[$"AzureWebJobsStorage__{service}ServiceUri"] = "https://127.0.0.1:1/devstoreaccount1";
        }

        // Nothing that could sign in: no service principal, no managed identity endpoint, no az/azd on PATH.
        foreach (var name in new[] { "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "MSI_ENDPOINT" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["PATH"] = Path.GetDirectoryName(Environment.ProcessPath) ?? "/usr/bin";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(deadline.Token);
        var text = await output + await errors;
        Assert.Equal(7, process.ExitCode);
        Assert.Contains("Microsoft Entra token", text, StringComparison.Ordinal);
        Assert.Contains("az login", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }
}
