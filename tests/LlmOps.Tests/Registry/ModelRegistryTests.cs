using LlmOps.Errors;
using LlmOps.Lifecycle;
using LlmOps.Registry;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tracking;

namespace LlmOps.Tests.Registry;

public sealed class ModelRegistryTests
{
    private static readonly Dictionary<string, double> Passing = new() { ["answer_accuracy"] = 0.8, ["latency_ms"] = 900 };

    [Fact]
    public async Task Register_ConcurrentWriters_GetDistinctConsecutiveVersions()
    {
        using var f = await RegistryFixture.CreateAsync();
        var run = await f.FinishedRunAsync(Passing);
        var versions = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => f.Registry.RegisterAsync(new RegisterRequest(f.Model, run.Id))));
        Assert.Equal(Enumerable.Range(1, 8), versions.Select(v => v.Version).Order());
        Assert.Equal(8, (await f.Registry.GetAsync(f.Model))!.LatestVersion);
        Assert.All(versions, v => Assert.Equal(run.Id, v.RunId));
        Assert.Equal(Enumerable.Range(1, 8), await f.Registry.ListVersionsAsync(f.Model).Select(v => v.Version).ToListAsync());
    }

    [Fact]
    public async Task Deployments_ListNewestFirst_AcrossEnvironments_AndItemIsListed()
    {
        using var f = await RegistryFixture.CreateAsync();
        var run = await f.FinishedRunAsync(Passing);
        var version = await f.Registry.RegisterAsync(new RegisterRequest(f.Model, run.Id));
        var prod = await f.Registry.DeployAsync(f.Model, version.Version, "prod", why: "ci");
        var staging = await f.Registry.DeployAsync(f.Model, version.Version, "staging", why: "ci");
        var prodAgain = await f.Registry.DeployAsync(f.Model, version.Version, "prod", why: "ci");

        // Environment names sort prod < staging, so only a time-ordered key lists these newest first.
        Assert.Equal([prodAgain.Id, staging.Id, prod.Id], await f.Registry.ListDeploymentsAsync(f.Model).Select(d => d.Id).ToListAsync());
        var listed = await f.Registry.ListAsync().SingleAsync(i => i.Name == ModelRegistry.QualifiedName(f.Model));
        Assert.Equal(1, listed.LatestVersion);
    }

    [Fact]
    public async Task TwoWritersMoveOneAliasAtOnce_OneWins_OtherGetsConflict_AliasNeverDangles()
    {
        using var f = await RegistryFixture.CreateAsync();
        var run = await f.FinishedRunAsync(Passing);
        for (var i = 0; i < 3; i++)
        {
            await f.Registry.RegisterAsync(new RegisterRequest(f.Model, run.Id));
        }

        // Both writers create the alias at once from "absent", then both move it at once from the same read.
        foreach (var readBefore in new[] { false, true })
        {
            var seen = readBefore ? await f.Registry.GetAliasAsync(f.Model, "champion") : null;
            var attempts = new[] { 2, 3 }.Select(async version =>
            {
                try
                {
                    return (version, (Exception?)null, (RegistryAlias?)await f.Registry.MoveAliasFromAsync(f.Model, "champion", version, seen));
                }
                catch (LlmOpsException ex) when (ex.Code == ErrorCode.Conflict)
                {
                    return (version, (Exception?)ex, (RegistryAlias?)null);
                }
            });
            var results = await Task.WhenAll(attempts);
            var winner = Assert.Single(results, r => r.Item2 is null);
            var loser = Assert.Single(results, r => r.Item2 is not null);
            Assert.Contains("was moved by someone else", loser.Item2!.Message, StringComparison.Ordinal);
            Assert.Equal(winner.version, (await f.Registry.GetAliasAsync(f.Model, "champion"))!.Version);
        }

        var missing = await ExpectError.ThrowsAsync(ErrorCode.NotFound, () => f.Registry.MoveAliasAsync(f.Model, "champion", 9));
        Assert.Contains("versions 1 to 3", missing.Message, StringComparison.Ordinal);
        var alias = await f.Registry.GetAliasAsync(f.Model, "champion");
        Assert.NotNull(await f.Registry.GetVersionAsync(f.Model, alias!.Version));
    }

    [Fact]
    public async Task Promote_ChecksTheLifecycleGates_AndSaysWhichFail()
    {
        using var f = await RegistryFixture.CreateAsync();
        var lifecycle = LifecycleParser.Parse(RegistryFixture.GatedLifecycle);
        var weak = await f.FinishedRunAsync(new Dictionary<string, double> { ["answer_accuracy"] = 0.55 });
        var good = await f.FinishedRunAsync(Passing);
        var running = await f.Tracker.StartRunAsync("registry-tests");
        await f.Tracker.LogMetricsAsync(running.Id, Passing.Select(m => new MetricPoint(m.Key, m.Value, 0, DateTimeOffset.UtcNow)));
        var v1 = await f.Registry.RegisterAsync(new RegisterRequest(f.Model, weak.Id));
        var v2 = await f.Registry.RegisterAsync(new RegisterRequest(f.Model, good.Id));
        var v3 = await f.Registry.RegisterAsync(new RegisterRequest(f.Model, running.Id));

        var refused = await Assert.ThrowsAsync<PromotionRefusedException>(() => f.Registry.PromoteAsync(f.Model, v1.Version, lifecycle: lifecycle));
        Assert.Equal(2, refused.Failures.Count);
        Assert.Contains(refused.Failures, m => m.Contains("'answer_accuracy' = 0.55 is below min 0.7", StringComparison.Ordinal));
        Assert.Contains(refused.Failures, m => m.Contains("'latency_ms' was not logged", StringComparison.Ordinal));
        Assert.Contains("RUNNING", Assert.Single((await Assert.ThrowsAsync<PromotionRefusedException>(() => f.Registry.PromoteAsync(f.Model, v3.Version, lifecycle: lifecycle))).Failures), StringComparison.Ordinal);
        Assert.Null(await f.Registry.GetAliasAsync(f.Model, "champion"));

        var promoted = await f.Registry.PromoteAsync(f.Model, v2.Version, lifecycle: lifecycle);
        Assert.Equal(2, promoted.Version);
        Assert.Equal(2, (await f.Registry.GetAliasAsync(f.Model, "champion"))!.Version);
    }

    [Fact]
    public async Task Promote_WithoutAPublishedLifecycle_RefusedWithHowToFix()
    {
        using var f = await RegistryFixture.CreateAsync();
        var run = await f.FinishedRunAsync(Passing, "no-such-feature-" + Guid.NewGuid().ToString("N")[..6]);
        var version = await f.Registry.RegisterAsync(new RegisterRequest(f.Model, run.Id));
        var refused = await Assert.ThrowsAsync<PromotionRefusedException>(() => f.Registry.PromoteAsync(f.Model, version.Version));
        Assert.Contains("llmops lifecycle publish", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prompt_NeedsItsTemplate_KeepsVariables_AndRenders()
    {
        using var f = await RegistryFixture.CreateAsync();
        var run = await f.FinishedRunAsync(Passing);
        var name = f.Model.Replace("model:", "prompt:", StringComparison.Ordinal);
        await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => f.Registry.RegisterAsync(new RegisterRequest(name, run.Id)));
        var version = await f.Registry.RegisterAsync(new RegisterRequest(name, run.Id) { Template = "Context: {{context}}\nQ: {{ question }}\nAgain {{context}}", Description = "v1" });
        Assert.Equal(["context", "question"], version.Variables);
        Assert.Equal(RegistryKind.Prompt, (await f.Registry.GetAsync(name))!.Kind);
        var stored = await f.Registry.GetVersionAsync(name, 1);
        Assert.Equal("Context: c\nQ: q\nAgain c", PromptTemplate.Render(stored!.Template!, new Dictionary<string, string> { ["context"] = "c", ["question"] = "q" }));
        Assert.Contains("question", ExpectError.Throws(ErrorCode.Invalid, () => PromptTemplate.Render(stored.Template!, new Dictionary<string, string> { ["context"] = "c" })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_UnknownRunOrBadName_ClearErrors()
    {
        using var f = await RegistryFixture.CreateAsync();
        await ExpectError.ThrowsAsync(ErrorCode.NotFound, () => f.Registry.RegisterAsync(new RegisterRequest(f.Model, "run:01JD0000000000000000000000")));
        ExpectError.Throws(ErrorCode.Invalid, () => ModelRegistry.QualifiedName("model:Bad Name"));
        Assert.Equal("model:bot", ModelRegistry.QualifiedName("bot"));
        Assert.Equal(("prompt:answer", 4), ModelRegistry.ParseVersionId("prompt:answer/4"));
    }
}
