using System.Diagnostics;
using LlmOps.Development;
using LlmOps.Lineage;
using LlmOps.LocalHost;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tracking;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace LlmOps.Benchmarks;

/// <summary>
/// The web console in Chromium: time to first render of the lineage explorer on a graph of <c>nodes</c> nodes and of
/// the runs page over <c>runs</c> runs, each against the time of the API calls behind it (GET /api/console-api/lineage?id=, one level;
/// GET /api/console-api/runs), measured back to back in the same repetition. Two figures per page: moving to it inside the
/// open console (its script already loaded), and a cold page load of the console straight at that page.
/// </summary>
public static class ConsoleBenchmark
{
    public static async Task<List<(string, string)>> RunAsync(AzuriteServer azurite, int nodes, int runs)
    {
        var storage = new StorageAccount(azurite.ConnectionString);
        await StorageProvisioner.EnsureAsync(storage);
        var lineage = new LineageStore(storage, TimeProvider.System);
        var tracker = new ExperimentTracker(storage, lineage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), TimeProvider.System);
        var results = new List<(string, string)>();

        var clock = Stopwatch.StartNew();
        var graph = await TrackingBenchmark.BuildGraphAsync(lineage, nodes);
        results.Add(($"Console: lineage graph built, {graph.Nodes} nodes, {graph.Edges} edges", $"{clock.Elapsed.TotalSeconds:0} s"));
        clock.Restart();
        await Parallel.ForEachAsync(Enumerable.Range(0, runs), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await tracker.StartRunAsync($"bench-console-{i % 10}", new RunStart { Name = $"run-{i:00000}", GitRevision = "bench" }, ct));
        results.Add(($"Console: {runs} runs in 10 experiments recorded", $"{clock.Elapsed.TotalSeconds:0} s"));

        var settings = new LocalFunctionHostSettings
        {
            Catalog = new FunctionCatalog([.. TriggerCatalog.All.Where(f => f.Name is TriggerCatalog.Console or TriggerCatalog.ConsoleApi or TriggerCatalog.Lineage)]),
            ConfigureLogging = l => l.ClearProviders(),
        };
        settings.Configuration["LlmOps:Storage:ConnectionString"] = azurite.ConnectionString;
        settings.Configuration["LlmOps:Host:HttpPort"] = "0";
        await using var host = LocalFunctionHost.Create(settings);
        await host.StartAsync();
        var key = (await host.GetKeysAsync()).FunctionKey;
        var root = host.HttpAddress!;
        using var http = new HttpClient { BaseAddress = root };
        http.DefaultRequestHeaders.Add("x-functions-key", key);
        var console = new Uri(root, "api/console?code=" + Uri.EscapeDataString(key)).ToString();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(ConsoleBrowser.Options);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        await page.GotoAsync(console);
        await ConsoleBrowser.ReadyAsync(page, "overview");

        var start = graph.Deployments[0];
        var lineageHash = "#/lineage?id=" + Uri.EscapeDataString(start);
        var lineageApi = "api/console-api/lineage?id=" + Uri.EscapeDataString(start);
        results.AddRange(await MeasureAsync(page, browser, console, http, $"lineage explorer ({graph.Nodes}-node graph, from {start.Split('/')[0]})", lineageHash, "lineage", lineageApi));
        results.AddRange(await MeasureAsync(page, browser, console, http, $"runs page ({runs} runs)", "#/runs", "runs", "api/console-api/runs"));
        return results;
    }

    /// <summary>
    /// One page, in-app and cold. Render times are the page's own (from the hash change, or from navigation start, to
    /// the page rendered: <c>main[data-render-ms]</c>, <c>[data-load-ms]</c>). In-app, the API time is that of the calls
    /// the page made while rendering, from the browser's resource timing: the same requests, from the same client. A cold
    /// load is set against the same calls made from .NET: in a page still compiling its script, the browser's timing of
    /// a call includes the wait for the busy main thread.
    /// </summary>
    private static async Task<List<(string, string)>> MeasureAsync(IPage page, IBrowser browser, string console, HttpClient http, string what, string hash, string name, string api)
    {
        // The data calls only: not the page, nor its libraries (console/lib/...).
        const string ApiTime = "() => performance.getEntriesByType('resource').filter(e => e.name.includes('/api/console-api/')).reduce((sum, e) => sum + e.duration, 0)";
        var samples = await Repeated.RunAsync(async _ =>
        {
            var clock = Stopwatch.StartNew();
            using (var response = await http.GetAsync(api))
            {
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync();
            }

            var dotnetApi = clock.Elapsed.TotalMilliseconds;
            await ConsoleBrowser.GoAsync(page, "#/", "overview");
            await page.EvaluateAsync("() => performance.clearResourceTimings()");
            await ConsoleBrowser.GoAsync(page, hash, name);
            var inApp = double.Parse(await page.Locator("main").GetAttributeAsync("data-render-ms") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            var inAppApi = await page.EvaluateAsync<double>(ApiTime);

            var cold = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
            await cold.GotoAsync(console + hash);
            await ConsoleBrowser.ReadyAsync(cold, name);
            var coldMs = double.Parse(await cold.Locator("main").GetAttributeAsync("data-load-ms") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            var phases = await cold.EvaluateAsync<double[]>("() => { const n = performance.getEntriesByType('navigation')[0]; return [n.responseStart, n.responseEnd, n.domInteractive]; }");
            await cold.CloseAsync();
            return (DotnetApi: dotnetApi, InApp: inApp, InAppApi: inAppApi, Cold: coldMs, Phases: phases);
        });
        static string Ms(IEnumerable<double> values) => Repeated.Of(values.Order()).Format("0", " ms");
        static string Ratio(IEnumerable<double> values) => Repeated.Of(values.Order()).Format("0.00", " x");
        return
        [
            ($"Console {what}: the API calls behind it, from .NET", Ms(samples.Select(s => s.DotnetApi))),
            ("  moving to it in the open console: first render", Ms(samples.Select(s => s.InApp))),
            ("  the API calls it made (browser resource timing)", Ms(samples.Select(s => s.InAppApi))),
            ("  ratio render / API calls (target at most 2)", Ratio(samples.Select(s => s.InApp / s.InAppApi))),
            ("  cold page load straight at it: navigation start to first render", Ms(samples.Select(s => s.Cold))),
            ("  ratio cold render / the API calls from .NET (the page load's own cost included)", Ratio(samples.Select(s => s.Cold / s.DotnetApi))),
            ("  cold: first byte of the page / its last byte / its scripts run (DOM interactive)", $"{Ms(samples.Select(s => s.Phases[0]))} / {Ms(samples.Select(s => s.Phases[1]))} / {Ms(samples.Select(s => s.Phases[2]))}"),
        ];
    }
}
