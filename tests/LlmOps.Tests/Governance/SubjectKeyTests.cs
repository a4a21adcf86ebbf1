using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Governance;

/// <summary>User and session ids hashed with a key kept per store: stable across clients of one store, different across stores, configurable.</summary>
public sealed class SubjectKeyTests
{
    [Fact]
    public async Task Hash_SameStoreSameHash_OtherStoreOtherHash()
    {
        var connection = (await SharedAzurite.GetAsync()).ConnectionString;
        var prefix = TestNames.Prefix();
        using var first = new LlmOpsClient(connection, prefix);
        using var second = new LlmOpsClient(connection, prefix);
        using var other = new LlmOpsClient(connection, TestNames.Prefix());
        await first.ProvisionAsync();
        await other.ProvisionAsync();

        var hashes = await Task.WhenAll(first.Subjects.KeyAsync(), second.Subjects.KeyAsync(), other.Subjects.KeyAsync());

        Assert.Equal(hashes[0].Hash("user", "jane@example.com"), hashes[1].Hash("user", "jane@example.com"));
        Assert.NotEqual(hashes[0].Hash("user", "jane@example.com"), hashes[2].Hash("user", "jane@example.com"));
        Assert.NotEqual(hashes[0].Hash("user", "jane@example.com"), hashes[0].Hash("session", "jane@example.com"));
        Assert.Matches("^[0-9a-f]{16}$", hashes[0].Hash("user", "jane@example.com"));
    }

    [Fact]
    public async Task Hash_ConfiguredKey_UsedAndTooShortRefused()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var configured = new LlmOps.Governance.SubjectHasher(storage, Microsoft.Extensions.Options.Options.Create(new LlmOps.Governance.GovernanceOptions { SubjectKey = new string('k', 40) }));
        var tooShort = new LlmOps.Governance.SubjectHasher(storage, Microsoft.Extensions.Options.Options.Create(new LlmOps.Governance.GovernanceOptions { SubjectKey = "short" }));

        var key = await configured.KeyAsync();

        Assert.Equal(new LlmOps.Governance.SubjectKey(System.Text.Encoding.UTF8.GetBytes(new string('k', 40))).Hash("user", "u-1"), key.Hash("user", "u-1"));
        Assert.Equal(LlmOps.Errors.ErrorCode.Invalid, (await Assert.ThrowsAsync<LlmOps.Errors.LlmOpsException>(() => tooShort.KeyAsync())).Code);
    }

    [Fact]
    public async Task Hash_UnresolvedKeyVaultReference_OrAnAzureAccountWithoutKey_Refused()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var unresolved = new LlmOps.Governance.SubjectHasher(storage, Microsoft.Extensions.Options.Options.Create(new LlmOps.Governance.GovernanceOptions { SubjectKey = "@Microsoft.KeyVault(VaultName=kv-abc;SecretName=subject-key)" }));
        var refused = await Assert.ThrowsAsync<LlmOps.Errors.LlmOpsException>(() => unresolved.KeyAsync());
        Assert.Contains("did not resolve", refused.Message, StringComparison.Ordinal);

        // An account that is not on this machine: the key must come from configuration (Key Vault), never be made here.
        var remote = new LlmOps.Storage.StorageAccount("DefaultEndpointsProtocol=https;AccountName=llmopsremote;AccountKey=" + Convert.ToBase64String(new byte[64]) + ";EndpointSuffix=core.windows.net");
        var none = new LlmOps.Governance.SubjectHasher(remote, Microsoft.Extensions.Options.Options.Create(new LlmOps.Governance.GovernanceOptions()));
        var missing = await Assert.ThrowsAsync<LlmOps.Errors.LlmOpsException>(() => none.KeyAsync());
        Assert.Contains("az keyvault secret show", missing.Message, StringComparison.Ordinal);
    }
}
