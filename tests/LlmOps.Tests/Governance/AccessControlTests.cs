using System.Net;
using System.Text;
using LlmOps.Errors;
using LlmOps.Governance;
using LlmOps.LocalHost;
using LlmOps.Registry;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tracking;
using LlmOps.Triggers;

namespace LlmOps.Tests.Governance;

/// <summary>
/// Roles enforced in src/LlmOps for the HTTP API, the CLI and the client alike, on a store of its own (a prefix): once
/// an admin exists, a contributor cannot promote, deploy or publish a lifecycle; a named key opens only what its role
/// allows (403 naming the role); every change of a chain is one audit entry.
/// </summary>
public sealed class AccessControlTests : IAsyncLifetime
{
    private const string Feature = "support";
    private const string Prompt = "prompt:answer";
    private readonly string _prefix = TestNames.Prefix();
    private LlmOpsClient _admin = null!;
    private string _connection = "";

    public async Task InitializeAsync()
    {
        _connection = (await SharedAzurite.GetAsync()).ConnectionString;
        _admin = new LlmOpsClient(_connection, _prefix, Caller.Local("root"));
        await _admin.ProvisionAsync();
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        return Task.CompletedTask;
    }

    private LlmOpsClient As(Caller caller) => new(_connection, _prefix, caller);

    private static async Task<RegistryVersion> RegisteredAsync(LlmOpsClient client)
    {
        var run = await client.Tracker.StartRunAsync("answers", new RunStart { Tags = new Dictionary<string, string> { ["feature"] = Feature } });
        return await client.Registry.RegisterAsync(new RegisterRequest(Prompt, run.Id) { Template = "Answer {{question}}", Feature = Feature });
    }

    [Fact]
    public async Task Bootstrap_NoAdmin_EveryCallerMayChangeAndIsRecorded()
    {
        using var anyone = As(Caller.Local("bob"));
        Assert.False(await anyone.Governance.IsEnforcedAsync());

        var version = await RegisteredAsync(anyone);

        var entry = Assert.Single(await anyone.Governance.Audit.ListAsync(action: "registry.register").ToListAsync());
        Assert.Equal("local:bob", entry.Who);
        Assert.Equal(version.Id, entry.Target);
        Assert.Equal("local:bob", version.CreatedBy);
    }

    [Fact]
    public async Task Contributor_AfterAnAdminExists_CannotPromoteDeployOrPublish()
    {
        await _admin.Governance.GrantAsync("local:root", Role.Admin, null);
        await _admin.Governance.GrantAsync("local:carol", Role.Contributor, Feature);
        using var carol = As(Caller.Local("carol"));
        await carol.Lifecycles.PublishAsync(new LifecycleBuilder(Feature).Build(), "support.yaml", CancellationToken.None)
            .ContinueWith(t => Assert.Equal(ErrorCode.Forbidden, ((LlmOpsException)t.Exception!.InnerException!).Code));
        await _admin.Lifecycles.PublishAsync(new LifecycleBuilder(Feature).Build(), "support.yaml", CancellationToken.None);
        var version = await RegisteredAsync(carol);

        var champion = await Assert.ThrowsAsync<LlmOpsException>(() => carol.Registry.MoveAliasAsync(Prompt, ModelRegistry.Champion, version.Version));
        var deploy = await Assert.ThrowsAsync<LlmOpsException>(() => carol.Registry.DeployAsync(Prompt, version.Version, "prod"));
        var promote = await Assert.ThrowsAsync<LlmOpsException>(() => carol.Registry.PromoteAsync(Prompt, version.Version));

        Assert.All([champion, deploy, promote], e => Assert.Equal(ErrorCode.Forbidden, e.Code));
        Assert.Contains("needs the approver role for feature 'support'", deploy.Message, StringComparison.Ordinal);
        Assert.Contains("llmops roles grant local:carol approver --feature support", deploy.Message, StringComparison.Ordinal);
        Assert.Null(await carol.Registry.GetAliasAsync(Prompt, ModelRegistry.Champion));
        Assert.Equal(2, ErrorMapping.ExitCode(ErrorCode.Invalid));
        Assert.Equal(5, ErrorMapping.ExitCode(champion.Code));
        Assert.Equal(403, ErrorMapping.HttpStatus(champion.Code));

        // A challenger alias is a contributor's to move; the champion is an approver's.
        await carol.Registry.MoveAliasAsync(Prompt, "challenger", version.Version);
        await _admin.Governance.GrantAsync("local:dave", Role.Approver, Feature);
        using var dave = As(Caller.Local("dave"));
        var moved = await dave.Registry.MoveAliasAsync(Prompt, ModelRegistry.Champion, version.Version, "reviewed");
        Assert.Equal("local:dave", moved.MovedBy);
    }

    [Fact]
    public async Task RoleOnOneFeature_DoesNotReachAnother()
    {
        await _admin.Governance.GrantAsync("local:root", Role.Admin, null);
        await _admin.Governance.GrantAsync("local:erin", Role.Approver, "other");
        using var erin = As(Caller.Local("erin"));

        var refused = await Assert.ThrowsAsync<LlmOpsException>(() => erin.Lifecycles.PublishAsync(new LifecycleBuilder(Feature).Build(), "support.yaml", CancellationToken.None));

        Assert.Equal(ErrorCode.Forbidden, refused.Code);
        Assert.Null(await _admin.Lifecycles.GetAsync(Feature, CancellationToken.None));
    }

    [Fact]
    public async Task GrantAndKeys_OnlyAnAdmin_AfterTheFirst()
    {
        await _admin.Governance.GrantAsync("local:root", Role.Admin, null);
        using var mallory = As(Caller.Local("mallory"));

        Assert.Equal(ErrorCode.Forbidden, (await Assert.ThrowsAsync<LlmOpsException>(() => mallory.Governance.GrantAsync("local:mallory", Role.Admin, null))).Code);
        Assert.Equal(ErrorCode.Forbidden, (await Assert.ThrowsAsync<LlmOpsException>(() => mallory.Governance.CreateKeyAsync("mine", Role.Admin, null))).Code);
        Assert.Empty(await _admin.Keys.ListAsync().ToListAsync());
        Assert.DoesNotContain(await _admin.Governance.Roles.ListAsync().ToListAsync(), r => r.Principal == "local:mallory");
    }

    [Fact]
    public async Task ChainOfChanges_EachIsExactlyOneAuditEntry()
    {
        await _admin.Governance.GrantAsync("local:root", Role.Admin, null);
        await _admin.Lifecycles.PublishAsync(new LifecycleBuilder(Feature).Source("tickets", idField: "id").Build(), "support.yaml", CancellationToken.None);
        var path = Path.Combine(Path.GetTempPath(), $"tickets-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(path, "{\"id\":\"T-1\",\"body\":\"Printer jams on page two.\"}\n{\"id\":\"T-2\",\"body\":\"Cannot log in after reset.\"}\n");
        var ingested = await _admin.IngestFileAsync(path, "tickets");
        File.Delete(path);
        var version = await RegisteredAsync(_admin);
        await _admin.Registry.MoveAliasAsync(Prompt, ModelRegistry.Champion, version.Version, "first champion");
        var deployment = await _admin.Registry.DeployAsync(Prompt, version.Version, "prod", why: "release");
        var (key, _) = await _admin.Governance.CreateKeyAsync("ci-bot", Role.Contributor, Feature);

        var entries = (await _admin.Governance.Audit.ListAsync().ToListAsync()).OrderBy(e => e.Seq).ToList();

        Assert.Equal(
            ["role.grant", "lifecycle.publish", "dataset.ingest", "registry.register", "registry.alias", "registry.deploy", "key.create"],
            entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal("local:root", e.Who));
        Assert.Equal(ingested.Version!.Id, entries[2].After);
        Assert.Equal($"{Prompt}@champion", entries[4].Target);
        Assert.Equal(version.Id, entries[4].After);
        Assert.Equal(deployment.Id, entries[5].Target);
        Assert.Equal(key.Principal, entries[6].Target);
        Assert.True((await _admin.Governance.Audit.VerifyAsync(checkIndex: true)).Valid);
    }

    [Fact]
    public async Task HttpApi_NamedKeys_OpenWhatTheirRoleAllows_ReadsTakeTheReaderRole()
    {
        await _admin.Governance.GrantAsync("local:root", Role.Admin, null);
        await _admin.Lifecycles.PublishAsync(new LifecycleBuilder(Feature).Build(), "support.yaml", CancellationToken.None);
        var (_, reader) = await _admin.Governance.CreateKeyAsync("dashboard", Role.Reader, Feature);
        var (_, writer) = await _admin.Governance.CreateKeyAsync("support-app", Role.Contributor, Feature);
        await using var host = await TestHosts.StartAsync(new FunctionCatalog(TriggerCatalog.All.Where(f => f.Name is TriggerCatalog.PostTraces or TriggerCatalog.ListRuns).ToList()), prefix: _prefix);
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        async Task<(HttpStatusCode Status, string Body)> PostAsync(string key, string header)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/traces")
            {
                Content = new StringContent($$"""[{ "id": "tr-{{Guid.NewGuid():N}}", "feature": "{{Feature}}", "output": "fine" }]""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add(header, key);
            using var response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        async Task<HttpStatusCode> ReadAsync(string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
            request.Headers.Add(HttpCallers.KeyHeader, key);
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        // Reads take the reader role: the dashboard's key reads; the host's plain function key, which holds no role, does not.
        Assert.Equal(HttpStatusCode.OK, await ReadAsync(reader));
        using (var plain = new HttpRequestMessage(HttpMethod.Get, $"/api/runs?code={Uri.EscapeDataString((await host.GetKeysAsync()).FunctionKey)}"))
        using (var response = await http.SendAsync(plain))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("needs the reader role", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var refused = await PostAsync(reader, HttpCallers.KeyHeader);
        var accepted = await PostAsync(writer, HttpCallers.KeyHeader);
        var acceptedAsFunctionKey = await PostAsync(writer, "x-functions-key");
        var unknown = await PostAsync("llmops.ghost.nope", HttpCallers.KeyHeader);
        await _admin.Governance.RevokeKeyAsync("support-app");
        var revoked = await PostAsync(writer, HttpCallers.KeyHeader);

        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("key:dashboard may not post traces of support: it needs the contributor role", refused.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, accepted.Status);
        Assert.Equal(HttpStatusCode.Accepted, acceptedAsFunctionKey.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.Status);
    }

    [Fact]
    public async Task Cli_ContributorDeploys_Exit5NamingTheRole()
    {
        await _admin.Governance.GrantAsync("local:root", Role.Admin, null);
        await _admin.Governance.GrantAsync(TestIdentity.Principal, Role.Contributor, Feature);
        var version = await RegisteredAsync(_admin);
        using var output = new StringWriter();

        var exit = await LlmOps.Cli.LlmOpsCli.RunAsync(
            ["registry", "deploy", Prompt, version.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), "--env", "prod", "--connection-string", _connection, "--storage-prefix", _prefix],
            CliRun.Console(output));

        Assert.Equal(5, exit);
        Assert.Contains("needs the approver role for feature 'support'", output.ToString().Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Empty(await _admin.Registry.ListDeploymentsAsync(Prompt).ToListAsync());
    }
}
