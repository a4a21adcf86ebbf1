using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Cli;
using LlmOps.Governance;
using LlmOps.Lineage;
using LlmOps.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LlmOps.Tests.EndToEnd;

/// <summary>
/// The web console in real Chromium (Debian's, driven by Playwright) over the demo's data on a running `llmops up`
/// stack: every page is opened, what it shows is checked against the HTTP API, and the browser's console stays free
/// of errors for the whole walk. Screenshots of every page, at 1280x800 and at a phone's width, go to the test
/// output (console-screenshots/).
/// </summary>
[Collection(ProductCatalogCollection.Name)]
public sealed class ConsoleWalkTests
{
    private const string Feature = "support-answers";
    private const string Project = "ticket-intent";

    [Fact]
    public async Task Console_AfterTheDemo_ShowsWhatTheApiSays_InChromium()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        await using var stack = await LocalStack.StartAsync(
            azurite.ConnectionString, prefix, new LlmOps.Development.AzuriteOptions(),
            new Dictionary<string, string?> { ["LlmOps:Host:HttpPort"] = "0" },
            Microsoft.Extensions.Logging.LogLevel.Warning, CancellationToken.None);
        using var output = new StringWriter();
        var exit = await LlmOpsCli.RunAsync(["demo", "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix, "--timeout", "240"], CliRun.Console(output));
        Assert.True(exit == 0, output.ToString());

        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        // A reviewer's key: the labeler role on the feature (which reads too); the console is opened with it.
        var (reviewer, secret) = await client.Governance.CreateKeyAsync("console-reviewer", Role.Labeler, Feature);
        // A fresh disagreement for the reviewer: three annotators label T-1005's intent three ways.
        await client.ImportLabelsAsync(DisagreementFile("T-1005", "account", "billing", "technical"), Project);

        var root = stack.Host.HttpAddress!;
        using var http = new HttpClient { BaseAddress = root };
        http.DefaultRequestHeaders.Add("x-functions-key", secret);
        using var bare = new HttpClient { BaseAddress = root };
        var screenshots = Path.Combine(AppContext.BaseDirectory, "console-screenshots");
        Directory.CreateDirectory(screenshots);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(ConsoleBrowser.Options);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                lock (errors)
                {
                    errors.Add($"{message.Type}: {message.Text}");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (errors)
            {
                errors.Add("page error: " + error);
            }
        };
        var shots = new List<string>();
        async Task Shot(string name)
        {
            var file = Path.Combine(screenshots, $"{shots.Count + 1:00}-{name}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
            shots.Add(name);
        }

        // Overview, opened at the host's root as `llmops up` prints it (the root redirects to /api/console).
        await page.GotoAsync(new Uri(root, "?code=" + Uri.EscapeDataString(secret)).ToString());
        await ConsoleBrowser.ReadyAsync(page, "overview");
        Assert.EndsWith("/api/console?code=" + Uri.EscapeDataString(secret), page.Url, StringComparison.Ordinal);
        Assert.Equal(3, await page.Locator("[data-testid=feature-card]").CountAsync());
        await Shot("overview");

        // Datasets: the newest tickets version; its counts as the API gives them.
        var version = (await client.Datasets.LatestAsync("tickets"))!;
        await ConsoleBrowser.GoAsync(page, "#/datasets?source=tickets", "datasets");
        await Shot("datasets");
        await ConsoleBrowser.ClickAsync(page, page.Locator($"[data-testid=dataset-row][data-id='{version.Id}'] a"), "dataset");
        var api = await http.GetFromJsonAsync<JsonElement>("api/console-api/datasets/version?id=" + Uri.EscapeDataString(version.Id));
        var manifest = api.GetProperty("manifest");
        var quality = manifest.GetProperty("quality");
        Assert.Equal(version.Records, manifest.GetProperty("records").GetInt64());
        Assert.Equal(Count(manifest, "records"), await Text(page, "records-count"));
        Assert.Equal(Count(manifest, "chunks"), await Text(page, "chunks-count"));
        Assert.Equal(Count(manifest, "tokens"), await Text(page, "tokens-count"));
        Assert.Equal(Count(quality, "read"), await Text(page, "read-count"));
        Assert.Equal(Count(quality, "accepted"), await Text(page, "accepted-count"));
        Assert.Equal(Count(quality, "quarantined"), await Text(page, "quarantined-count"));
        Assert.True(quality.GetProperty("quarantined").GetInt64() > 0, "the demo's drop has quarantined rows");
        Assert.Equal(api.GetProperty("quarantined").GetProperty("rows").GetArrayLength(), await page.Locator("[data-testid=quarantine-row]").CountAsync());
        Assert.DoesNotContain("@example.com", await page.Locator("[data-testid=quarantine-row]").AllInnerTextsAsync() is var rows ? string.Join("\n", rows) : "", StringComparison.Ordinal);
        await Shot("dataset");

        // Lineage: from the version, expanded one level per click to the source blob and to a deployment, along the
        // paths the API's graph holds.
        await ConsoleBrowser.ClickAsync(page, page.Locator("main").GetByRole(AriaRole.Link, new() { Name = "Lineage", Exact = true }), "lineage");
        Assert.Equal(version.Id, await page.Locator("[data-testid=lineage-selected]").InnerTextAsync());
        foreach (var kind in new[] { "blob", "deploy" })
        {
            var path = await PathToAsync(client.Lineage, version.Id, kind);
            Assert.True(path.Count > 1, $"the API's graph reaches a {kind}: node from {version.Id}");
            await ConsoleBrowser.GoAsync(page, "#/lineage?id=" + Uri.EscapeDataString(version.Id), "lineage");
            foreach (var step in path.Skip(1))
            {
                await ConsoleBrowser.ClickAsync(page, page.Locator($"[data-testid=lineage-node][data-node-id='{step}']").First, "lineage");
                Assert.Equal(step, await page.Locator("[data-testid=lineage-selected]").InnerTextAsync());
            }

            var drawn = await page.EvaluateAsync<string[]>("() => window.llmops.graph().nodes().map(n => n.id())");
            Assert.Contains(path[^1], drawn);
            Assert.StartsWith(kind + ":", path[^1], StringComparison.Ordinal);
            await Shot("lineage-to-" + kind);
        }

        // The graph's library came from its own route, named by its hash and kept by the browser for good; not without a key.
        var library = new Uri(await page.EvaluateAsync<string>("() => [...document.scripts].map(s => s.src).find(s => s.includes('/console/lib/cytoscape.'))"));
        using (var script = await http.GetAsync(library.PathAndQuery.TrimStart('/')))
        {
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Contains("immutable", script.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await bare.GetAsync(library.AbsolutePath.TrimStart('/'))).StatusCode);

        // Runs: two of the release gate's evaluation runs compared side by side.
        await ConsoleBrowser.GoAsync(page, "#/runs?experiment=eval-support-answers", "runs");
        await Shot("runs");
        var runIds = await page.Locator("[data-testid=run-row]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)");
        Assert.True(runIds.Length >= 2, "the demo's release gate logged its evaluations as runs");
        await page.Locator("[data-testid=run-row] input[type=checkbox]").Nth(0).CheckAsync();
        await page.Locator("[data-testid=run-row] input[type=checkbox]").Nth(1).CheckAsync();
        await ConsoleBrowser.ClickAsync(page, page.Locator("[data-testid=compare-runs]"), "compare");
        var compared = page.Locator("[data-testid=compare-table]");
        foreach (var id in runIds.Take(2))
        {
            var run = await http.GetFromJsonAsync<JsonElement>("api/runs/" + Uri.EscapeDataString(id));
            Assert.Contains(run.GetProperty("info").GetProperty("name").GetString()!, await compared.Locator("thead").InnerTextAsync(), StringComparison.Ordinal);
            foreach (var metric in run.GetProperty("latestMetrics").EnumerateObject().Take(3))
            {
                Assert.Contains(metric.Value.GetProperty("value").GetDouble().ToString("0.0000", CultureInfo.InvariantCulture), await compared.InnerTextAsync(), StringComparison.Ordinal);
            }
        }

        Assert.True(await page.Locator("[data-testid=compare-chart]").CountAsync() > 0);
        await Shot("compare");
        await ConsoleBrowser.ClickAsync(page, compared.Locator("thead a").First, "run");
        await Shot("run");

        // Registry: the prompt's aliases with their history, deployments with the rolled-back canary, gate evidence.
        await ConsoleBrowser.GoAsync(page, "#/registry", "registry");
        await Shot("registry");
        await ConsoleBrowser.ClickAsync(page, page.Locator("[data-testid=registry-row] a").First, "release");
        Assert.True(await page.Locator("[data-testid=gate-report]").CountAsync() >= 2, "a promotion and a refusal");
        Assert.Contains("rolled_back", await page.Locator("[data-testid=deployment-row]").AllInnerTextsAsync() is var deployments ? string.Join("\n", deployments) : "", StringComparison.Ordinal);
        await Shot("release");

        // Drift: the demo's check, its report opened in the page.
        await ConsoleBrowser.GoAsync(page, "#/drift?feature=" + Feature, "drift");
        var history = await client.Drift.HistoryAsync(Feature);
        Assert.NotEmpty(history);
        Assert.Equal(history.Count, await page.Locator("[data-testid=drift-report-row]").CountAsync());
        await ConsoleBrowser.ClickAsync(page, page.Locator("[data-testid=open-drift-report]").First, "drift-report");
        var report = page.FrameLocator("[data-testid=drift-report-frame]").Locator("body");
        Assert.Contains(history[0].ReportId, await report.InnerTextAsync(), StringComparison.Ordinal);
        await Shot("drift");

        // Feedback: the statistics per prompt version and per day, then one trace with its scores.
        await ConsoleBrowser.GoAsync(page, "#/feedback?feature=" + Feature, "feedback");
        Assert.True(await page.Locator("[data-testid=trace-row]").CountAsync() > 0);
        await Shot("feedback");
        await ConsoleBrowser.ClickAsync(page, page.Locator("[data-testid=trace-row] a").First, "trace");
        await Shot("trace");

        // Labeling: the new disagreement adjudicated from the page, then seen in the API with who and why.
        await ConsoleBrowser.GoAsync(page, "#/labeling?project=" + Project, "labeling");
        Assert.True(await page.Locator("[data-testid=kappa-matrix]").CountAsync() > 0);
        var pending = page.Locator("[data-testid=adjudication-row][data-item='T-1005'][data-field='intent'][data-decided='no']");
        await pending.Locator("[data-testid=adjudicate-values]").FillAsync("billing");
        await pending.Locator("[data-testid=adjudicate-reason]").FillAsync("the customer asks about an invoice");
        await Shot("labeling");
        await ConsoleBrowser.ClickAsync(page, pending.Locator("[data-testid=adjudicate-button]"), "labeling");
        Assert.Contains("Recorded T-1005 intent = billing", await page.Locator("[data-testid=adjudication-notice]").InnerTextAsync(), StringComparison.Ordinal);
        var labeling = await http.GetFromJsonAsync<JsonElement>("api/labeling/" + Project);
        var decided = labeling.GetProperty("adjudication").EnumerateArray()
            .Single(a => a.GetProperty("item").GetString() == "T-1005" && a.GetProperty("field").GetString() == "intent").GetProperty("decision");
        Assert.Equal("billing", decided.GetProperty("values")[0].GetString());
        Assert.Equal(reviewer.Principal, decided.GetProperty("by").GetString());
        Assert.Equal("the customer asks about an invoice", decided.GetProperty("reason").GetString());
        Assert.Equal(1, await page.Locator("[data-testid=adjudication-row][data-item='T-1005'][data-decided='yes']").CountAsync());

        // Governance: the audit log, with the adjudication in it.
        await ConsoleBrowser.GoAsync(page, "#/governance", "governance");
        Assert.Contains("labels.adjudicate", await page.Locator("[data-testid=audit-row]").First.InnerTextAsync(), StringComparison.Ordinal);
        await Shot("governance");

        // The same pages at a phone's width: nothing wider than the screen.
        await page.SetViewportSizeAsync(390, 844);
        foreach (var (hash, name) in new[] { ("#/", "overview"), ("#/datasets", "datasets"), ("#/dataset?id=" + Uri.EscapeDataString(version.Id), "dataset"), ("#/lineage?id=" + Uri.EscapeDataString(version.Id), "lineage"), ("#/runs", "runs"), ("#/registry", "registry"), ("#/drift?feature=" + Feature, "drift"), ("#/feedback?feature=" + Feature, "feedback"), ("#/labeling?project=" + Project, "labeling"), ("#/governance", "governance") })
        {
            await ConsoleBrowser.GoAsync(page, hash, name);
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), $"{name} is wider than a phone");
            await Shot("phone-" + name);
        }

        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.Equal(shots.Count, Directory.GetFiles(screenshots, "*.png").Length);

        // Without a key: the page and the API behind it are refused, in the browser and over HTTP.
        var anonymous = await browser.NewPageAsync();
        var refused = await anonymous.GotoAsync(new Uri(root, "api/console").ToString());
        Assert.Equal(401, refused!.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bare.GetAsync("api/console-api/overview")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bare.GetAsync("api/console/datasets")).StatusCode);
    }

    private static string Count(JsonElement element, string name) => element.GetProperty(name).GetInt64().ToString("#,0", CultureInfo.InvariantCulture);

    private static async Task<string> Text(IPage page, string testId) => (await page.Locator($"[data-testid={testId}]").InnerTextAsync()).Trim();

    /// <summary>
    /// The shortest path from <paramref name="from"/> to a node of <paramref name="kind"/>, over edges either way, one
    /// level at a time as the explorer loads them (GET /api/lineage/{id}?depth=1 reads the same store).
    /// </summary>
    private static async Task<List<string>> PathToAsync(LineageStore lineage, string from, string kind)
    {
        var previous = new Dictionary<string, string?>(StringComparer.Ordinal) { [from] = null };
        var queue = new Queue<string>([from]);
        while (queue.TryDequeue(out var node) && previous.Count < 2_000)
        {
            if (node.StartsWith(kind + ":", StringComparison.Ordinal))
            {
                var path = new List<string>();
                for (string? at = node; at is not null; at = previous[at])
                {
                    path.Insert(0, at);
                }

                return path;
            }

            var level = await lineage.QueryAsync(node, LineageDirection.Both, 1, CancellationToken.None);
            foreach (var edge in level.Edges.Where(e => e.From == node || e.To == node))
            {
                var other = edge.From == node ? edge.To : edge.From;
                if (previous.TryAdd(other, node))
                {
                    queue.Enqueue(other);
                }
            }
        }

        return [from];
    }

    /// <summary>A Label Studio export with one task: <paramref name="item"/>'s intent as ana, ben and chloe gave it.</summary>
    private static string DisagreementFile(string item, params string[] intents)
    {
        var tasks = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "samples", "ticket-intent.labels.json")))!.AsArray();
        var task = tasks[0]!.DeepClone();
        task["id"] = 990;
        task["data"]!["item"] = item;
        var annotations = task["annotations"]!.AsArray();
        for (var i = 0; i < annotations.Count; i++)
        {
            var results = annotations[i]!["result"]!.AsArray();
            var intent = results.First(r => r!["from_name"]!.GetValue<string>() == "intent")!.DeepClone();
            intent["value"]!["choices"] = new JsonArray(intents[i % intents.Length]);
            annotations[i]!["id"] = 9900 + i;
            annotations[i]!["result"] = new JsonArray(intent);
        }

        var path = Path.Combine(Path.GetTempPath(), $"llmops-console-{Guid.NewGuid():N}", "disagreement.labels.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, new JsonArray(task).ToJsonString());
        return path;
    }
}
