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
}
