using LlmOps.Errors;
using LlmOps.Governance;
using LlmOps.Registry;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tracking;
using LlmOps.Triggers;

namespace LlmOps.Tests.Governance;

/// <summary>
/// Four-eyes approval from the lifecycle's <c>governance</c> section: a contributor's champion move, deployment and
/// lifecycle republish become requests; the requester cannot approve them; another approver's approval applies them
/// as the requester, with the approvals as evidence in the alias history; a rejection applies nothing.
/// </summary>
public sealed class ApprovalTests : IAsyncLifetime
{
    private const string Feature = "support";
    private const string Prompt = "prompt:answer";
    private static readonly string Governed = new LifecycleBuilder(Feature).Section("""
        governance:
          approvals: 1
          protected_aliases: [stable]
        """).Build();

    private readonly string _prefix = TestNames.Prefix();
    private string _connection = "";
    private LlmOpsClient _admin = null!;
    private LlmOpsClient _carol = null!;
    private LlmOpsClient _dave = null!;

    public async Task InitializeAsync()
    {
        _connection = (await SharedAzurite.GetAsync()).ConnectionString;
        _admin = new LlmOpsClient(_connection, _prefix, Caller.Local("root"));
        await _admin.ProvisionAsync();
        await _admin.Governance.GrantAsync("local:root", Role.Admin, null);
        await _admin.Governance.GrantAsync("local:carol", Role.Contributor, Feature);
        await _admin.Governance.GrantAsync("local:carol", Role.Approver, Feature);
        await _admin.Governance.GrantAsync("local:dave", Role.Approver, Feature);
        await _admin.Lifecycles.PublishAsync(Governed, "support.yaml", CancellationToken.None);
        _carol = new LlmOpsClient(_connection, _prefix, Caller.Local("carol"));
        _dave = new LlmOpsClient(_connection, _prefix, Caller.Local("dave"));
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        _carol.Dispose();
        _dave.Dispose();
        return Task.CompletedTask;
    }

    private async Task<RegistryVersion> RegisteredAsync()
    {
        var run = await _carol.Tracker.StartRunAsync("answers", new RunStart { Tags = new Dictionary<string, string> { ["feature"] = Feature } });
        return await _carol.Registry.RegisterAsync(new RegisterRequest(Prompt, run.Id) { Template = "Answer {{question}}", Feature = Feature });
    }

    [Fact]
    public async Task ChampionMove_RequestedByOne_ApprovedByAnother_AppliedAsTheRequesterWithEvidence()
    {
        var version = await RegisteredAsync();

        var pending = await Assert.ThrowsAsync<ApprovalRequiredException>(() => _carol.Registry.MoveAliasAsync(Prompt, ModelRegistry.Champion, version.Version, "beats v0 on the eval set"));
        Assert.Equal(9, ErrorMapping.ExitCode(pending.Code));
        Assert.Null(await _admin.Registry.GetAliasAsync(Prompt, ModelRegistry.Champion));

        var own = await Assert.ThrowsAsync<LlmOpsException>(() => _carol.Governance.ApproveAsync(pending.Request.Id, "looks good"));
        Assert.Equal(ErrorCode.Forbidden, own.Code);
        Assert.Contains("cannot approve their own change", own.Message, StringComparison.Ordinal);

        var applied = await _dave.Governance.ApproveAsync(pending.Request.Id, "checked the gate report");

        Assert.Equal(ChangeRequest.Applied, applied.Status);
        var champion = await _admin.Registry.GetAliasAsync(Prompt, ModelRegistry.Champion);
        Assert.Equal(version.Version, champion!.Version);
        Assert.Equal("local:carol", champion.MovedBy);
        var move = Assert.Single(await _admin.Registry.AliasHistoryAsync(Prompt, ModelRegistry.Champion).ToListAsync());
        Assert.Equal("local:carol", move.Who);
        Assert.Equal(version.Id, move.After);
        Assert.Contains($"approved in {pending.Request.Id} by local:dave", move.Why, StringComparison.Ordinal);
        Assert.Contains("beats v0 on the eval set", move.Why, StringComparison.Ordinal);
        await Assert.ThrowsAsync<LlmOpsException>(() => _admin.Governance.ApproveAsync(pending.Request.Id, "again"));
    }

    [Fact]
    public async Task Deployment_Rejected_NothingDeployed()
    {
        var version = await RegisteredAsync();
        var pending = await Assert.ThrowsAsync<ApprovalRequiredException>(() => _carol.Registry.DeployAsync(Prompt, version.Version, "prod", why: "release 3"));

        var rejected = await _dave.Governance.RejectAsync(pending.Request.Id, "not during the freeze");

        Assert.Equal(ChangeRequest.Rejected, rejected.Status);
        Assert.Empty(await _admin.Registry.ListDeploymentsAsync(Prompt).ToListAsync());
        Assert.Contains(await _admin.Governance.Approvals.ListAsync(ChangeRequest.Rejected).ToListAsync(), r => r.Id == pending.Request.Id && r.Rejection!.Reason == "not during the freeze");
        var actions = (await _admin.Governance.Audit.ListAsync(target: pending.Request.Id).ToListAsync()).Select(e => e.Action).Order().ToList();
        Assert.Equal(["approval.reject", "approval.request"], actions);
    }

    [Fact]
    public async Task ProtectedAliasAndLifecycleRepublish_NeedApproval_OtherAliasesDoNot()
    {
        var version = await RegisteredAsync();

        await _carol.Registry.MoveAliasAsync(Prompt, "challenger", version.Version);
        var stable = await Assert.ThrowsAsync<ApprovalRequiredException>(() => _carol.Registry.MoveAliasAsync(Prompt, "stable", version.Version));
        var republish = await Assert.ThrowsAsync<ApprovalRequiredException>(() => _carol.Lifecycles.PublishAsync(Governed.Replace("approvals: 1", "approvals: 0", StringComparison.Ordinal), "support.yaml", CancellationToken.None));

        Assert.Equal("prompt:answer@stable", stable.Request.Target);
        Assert.Equal(1, (await _admin.Lifecycles.GetAsync(Feature, CancellationToken.None))!.Governance.Approvals);
        await _dave.Governance.ApproveAsync(republish.Request.Id, "fine");
        Assert.Equal(0, (await _admin.Lifecycles.GetAsync(Feature, CancellationToken.None))!.Governance.Approvals);
    }

    [Fact]
    public async Task Cli_ApprovalsListAndApprove()
    {
        var version = await RegisteredAsync();
        var pending = await Assert.ThrowsAsync<ApprovalRequiredException>(() => _carol.Registry.DeployAsync(Prompt, version.Version, "prod"));
        await _admin.Governance.GrantAsync(TestIdentity.Principal, Role.Approver, Feature);
        var common = new[] { "--connection-string", _connection, "--storage-prefix", _prefix };

        var (listed, listText) = await CliRun.RunAsync(["approvals", "list", "--status", "pending", .. common]);
        var (approved, approveText) = await CliRun.RunAsync(["approvals", "approve", pending.Request.Id, "--reason", "release window", .. common]);

        Assert.Equal(0, listed);
        Assert.Contains(pending.Request.Id, listText, StringComparison.Ordinal);
        Assert.True(approved == 0, approveText);
        Assert.Contains("Approved and applied", approveText, StringComparison.Ordinal);
        Assert.Single(await _admin.Registry.ListDeploymentsAsync(Prompt).ToListAsync());
    }
}

/// <summary>Lifecycle publishes as versions in lineage, and a schema-breaking republish refused unless forced with approval.</summary>
public sealed class LifecycleVersionTests
{
    [Fact]
    public async Task Publish_EachChangeAVersionLinkedToTheOneBefore_SameFileNoNewVersion()
    {
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient((await SharedAzurite.GetAsync()).ConnectionString, prefix, Caller.Local("root"));
        await client.ProvisionAsync();
        var first = new LifecycleBuilder("versions").Source("tickets", idField: "id").Build();

        await client.Lifecycles.PublishAsync(first, "v.yaml", CancellationToken.None);
        await client.Lifecycles.PublishAsync(first, "v.yaml", CancellationToken.None);
        await client.Lifecycles.PublishAsync(first + "owners: { data: team-a }\n", "v.yaml", CancellationToken.None);

        Assert.Equal(2, (await client.Lifecycles.LatestVersionAsync("versions", CancellationToken.None)).Version);
        var graph = await client.Lineage.QueryAsync("lifecycle:versions/2", LlmOps.Lineage.LineageDirection.Upstream, 2, CancellationToken.None);
        Assert.Contains(graph.Nodes, n => n.Id == "lifecycle:versions/1");
        var publishes = await client.Governance.Audit.ListAsync(action: "lifecycle.publish").ToListAsync();
        Assert.Equal(["lifecycle:versions/2", "lifecycle:versions/1"], publishes.Select(p => p.After));
    }

    [Fact]
    public async Task Republish_RemovingARequiredField_RefusedUnlessForcedThenApproved()
    {
        var prefix = TestNames.Prefix();
        var connection = (await SharedAzurite.GetAsync()).ConnectionString;
        using var root = new LlmOpsClient(connection, prefix, Caller.Local("root"));
        using var other = new LlmOpsClient(connection, prefix, Caller.Local("other"));
        await root.ProvisionAsync();
        await root.Lifecycles.PublishAsync(new LifecycleBuilder("schema").Source("tickets", idField: "id").Build(), "s.yaml", CancellationToken.None);
        var withoutId = new LifecycleBuilder("schema").Source("tickets").Build();

        var refused = await Assert.ThrowsAsync<LlmOpsException>(() => root.Lifecycles.PublishAsync(withoutId, "s.yaml", CancellationToken.None));
        var requested = await Assert.ThrowsAsync<ApprovalRequiredException>(() => root.Lifecycles.PublishAsync(withoutId, "s.yaml", force: true, CancellationToken.None));
        await other.Governance.ApproveAsync(requested.Request.Id, "the id moved to the text");

        Assert.Equal(ErrorCode.Conflict, refused.Code);
        Assert.Contains("tickets.id (required Text) is removed", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, requested.Request.Required);
        Assert.Null((await root.Lifecycles.GetAsync("schema", CancellationToken.None))!.Sources[0].IdField);
        Assert.Equal(2, (await root.Lifecycles.LatestVersionAsync("schema", CancellationToken.None)).Version);
    }
}
