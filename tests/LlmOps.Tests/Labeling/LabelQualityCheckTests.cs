using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using LlmOps.Errors;
using LlmOps.Labeling;
using LlmOps.Lineage;
using LlmOps.LocalHost;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;

namespace LlmOps.Tests.Labeling;

/// <summary>Labeling QA against Azurite: imports, batches, quarantine, gold, adjudication, reports, and the LabelQA function through the local host.</summary>
public sealed class LabelQualityCheckTests
{
    private const string Project = "intents";
    private static readonly string[] Intents = ["billing", "tech", "other"];

    private static string Lifecycle(string extra = "") => new LifecycleBuilder("support").Section($"""
        labeling:
          projects:
            - name: {Project}
              source: {"{"} review_batches: true {"}"}
              fields: [{"{"} name: intent, kind: categorical, values: [billing, tech, other] {"}"}]
              annotators: [ana, ben, chloe]
              overlap: 3
              gold: {"{"} share: 0.1, min_accuracy: 0.7 {"}"}
        {extra}
        """).Build();

    /// <summary>A Label Studio export of <paramref name="items"/> tasks, three annotators each; chloe is wrong on every fifth.</summary>
    private static string Export(int items, Func<int, string, string>? label = null)
    {
        label ??= (item, annotator) => annotator == "chloe" && item % 5 == 0 ? Intents[(item + 1) % 3] : Intents[item % 3];
        var tasks = Enumerable.Range(0, items).Select(item => new
        {
            id = 1000 + item,
            data = new { item = $"item-{item:000}", text = $"ticket {item}" },
            annotations = new[] { "ana", "ben", "chloe" }.Select((a, n) => new
            {
                id = (item * 10) + n,
                completed_by = new { id = n + 1, email = $"{a}@example.com" },
                was_cancelled = false,
                result = new[] { new { from_name = "intent", to_name = "text", type = "choices", value = new { choices = new[] { label(item, a) } } } },
            }),
        });
        return JsonSerializer.Serialize(tasks);
    }

    private static async Task<(LlmOpsClient Client, BlobContainerClient Labels)> ConnectAsync(string lifecycle)
    {
        var azurite = await SharedAzurite.GetAsync();
        var client = new LlmOpsClient(azurite.ConnectionString, TestNames.Prefix());
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(lifecycle, "support.yaml", CancellationToken.None);
        return (client, client.Storage.Container(StorageNames.LabelsContainer));
    }

    private static async Task<Azure.ETag> UploadAsync(BlobContainerClient labels, string name, string content) =>
        (await labels.GetBlobClient(name).UploadAsync(BinaryData.FromString(content), overwrite: true)).Value.ETag;

    [Fact]
    public async Task Import_ThenGoldThenAdjudication_ReportsAndPublishDecisionFollow()
    {
        var (client, labels) = await ConnectAsync(Lifecycle());
        using var _ = client;
        var qa = client.Labeling;
        // 40 items; item-007 gets a three-way split (tie-free, but confidence 1/3: adjudication), plus one bad answer.
        var export = Export(40, (item, a) => item == 7 ? Intents[Array.IndexOf(["ana", "ben", "chloe"], a)] : a == "chloe" && item % 5 == 0 ? Intents[(item + 1) % 3] : Intents[item % 3]);
        var withBad = export[..^1] + ",{\"id\":9,\"data\":{\"item\":\"item-001\"},\"annotations\":[{\"completed_by\":{\"email\":\"zoe@example.com\"},\"result\":[{\"from_name\":\"intent\",\"type\":\"choices\",\"value\":{\"choices\":[\"tech\"]}}]}]}]";
        var etag = await UploadAsync(labels, $"{Project}/batch-1.json", withBad);

        var report = (await qa.ImportAsync(StorageNames.LabelsContainer, $"{Project}/batch-1.json", etag, CancellationToken.None))!;

        Assert.Equal((40, 120), (report.Items, report.Labels));
        var field = Assert.Single(report.Fields);
        Assert.InRange(field.Value!.Value, 0.7, 0.8);
        Assert.Equal("tentative", field.Level);
        var open = Assert.Single(report.Adjudication);
        Assert.Equal("item-007", open.Item);
        Assert.False(report.Publishable);
        Assert.Contains("1 item field(s) await adjudication (llmops label adjudicate)", report.Reasons);

        var batch = Assert.Single(await qa.Batches.ListAsync(Project));
        Assert.Equal((120, 1, 0), (batch.Accepted, batch.Quarantined, batch.Cancelled));
        var quarantine = client.Storage.Container(StorageNames.QuarantineContainer);
        var reportBlob = await quarantine.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = $"labels/{Project}/" }).Select(b => b.Name).SingleAsync(n => n.EndsWith("report.json", StringComparison.Ordinal));
        var quarantined = (await quarantine.GetBlobClient(reportBlob).DownloadContentAsync()).Value.Content.ToString();
        Assert.Contains("\"unknown_annotator\":1", quarantined, StringComparison.Ordinal);
        var upstream = await client.Lineage.QueryAsync(LabelQualityCheck.BatchNode(Project, batch.BatchId), LineageDirection.Upstream, 2, CancellationToken.None);
        Assert.Contains(LineageIds.Blob(StorageNames.LabelsContainer, $"{Project}/batch-1.json", etag.ToString()), upstream.Nodes.Select(n => n.Id));

        // The same file again is the same batch.
        await qa.ImportAsync(StorageNames.LabelsContainer, $"{Project}/batch-1.json", etag, CancellationToken.None);
        Assert.Single(await qa.Batches.ListAsync(Project));

        // Gold: chloe is wrong on every fifth item, and three of the five gold items are such items.
        var gold = string.Join('\n', new[] { 0, 5, 10, 11, 12 }.Select(i => $"{{\"item\":\"item-{i:000}\",\"field\":\"intent\",\"value\":\"{Intents[i % 3]}\"}}"));
        var goldETag = await UploadAsync(labels, $"{Project}/gold.jsonl", gold);
        report = (await qa.ImportAsync(StorageNames.LabelsContainer, $"{Project}/gold.jsonl", goldETag, CancellationToken.None))!;
        Assert.Single(await qa.Batches.ListAsync(Project));
        var chloe = report.AnnotatorQuality.Single(a => a.Annotator == "chloe");
        Assert.Equal((5, 2), (chloe.GoldLabels, chloe.GoldCorrect));
        Assert.Contains("annotator chloe: gold accuracy 0.4 (2 of 5) is below the minimum 0.7", report.Reasons);

        // Chloe's corrections as a second batch replace her earlier answers; then the open item is adjudicated.
        var fixes = string.Join('\n', Enumerable.Range(0, 40).Where(i => i % 5 == 0 && i != 7).Select(i => $"item-{i:000},chloe,intent,{Intents[i % 3]}"));
        var fixesETag = await UploadAsync(labels, $"{Project}/chloe-fixes.csv", "item,annotator,field,value\n" + fixes + "\n");
        await qa.ImportAsync(StorageNames.LabelsContainer, $"{Project}/chloe-fixes.csv", fixesETag, CancellationToken.None);
        await qa.Adjudications.RecordAsync(Project, new Adjudication("item-007", "intent", ["tech"], "lead", "asks about a login error", DateTimeOffset.UtcNow));
        report = await qa.RunAsync(Project, CancellationToken.None);

        Assert.True(report.Publishable, string.Join("; ", report.Reasons));
        Assert.Equal(2, (await qa.Batches.ListAsync(Project)).Count);
        Assert.Equal(1.0, report.AnnotatorQuality.Single(a => a.Annotator == "chloe").GoldAccuracy);
        Assert.Equal("lead", Assert.Single(report.Adjudication).Decision!.By);
        var latest = JsonDocument.Parse((await qa.LatestAsync(Project, html: false, CancellationToken.None))!.ToString()).RootElement;
        Assert.True(latest.GetProperty("publishable").GetBoolean());
        var page = (await qa.LatestAsync(Project, html: true, CancellationToken.None))!.ToString();
        Assert.Contains("<svg", page, StringComparison.Ordinal);
        Assert.Contains("<b>Publishable</b>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_CorrectionsAndRejectedValues_ArePiiRedacted()
    {
        var (client, labels) = await ConnectAsync(Lifecycle().Replace(
            "fields: [{ name: intent, kind: categorical, values: [billing, tech, other] }]",
            "fields: [{ name: intent, kind: categorical, values: [billing, tech, other] }, { name: correction, kind: text }]",
            StringComparison.Ordinal));
        using var _ = client;
        var etag = await UploadAsync(labels, $"{Project}/fixes.csv", """
            item,annotator,field,value
            item-001,ana,correction,Refund sent; mail jane.doe@example.com or call +1 415 555 0100
            item-001,ana,intent,jane.doe@example.com
            """);

        await client.Labeling.ImportAsync(StorageNames.LabelsContainer, $"{Project}/fixes.csv", etag, CancellationToken.None);

        var answer = Assert.Single(await client.Labeling.Batches.ReadAnswersAsync(Project).ToListAsync());
        Assert.Equal("Refund sent; mail [EMAIL] or call [PHONE]", Assert.Single(answer.Values));
        var quarantine = client.Storage.Container(StorageNames.QuarantineContainer);
        await foreach (var blob in quarantine.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = $"labels/{Project}/" }))
        {
            var content = (await quarantine.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content;
            var text = blob.Name.EndsWith(".gz", StringComparison.Ordinal)
                ? await new StreamReader(new System.IO.Compression.GZipStream(content.ToStream(), System.IO.Compression.CompressionMode.Decompress)).ReadToEndAsync()
                : content.ToString();
            Assert.DoesNotContain("jane.doe", text, StringComparison.Ordinal);
            Assert.Contains(blob.Name.EndsWith(".gz", StringComparison.Ordinal) ? "[EMAIL]" : "\"value\":1", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Import_UnknownProjectOrUnreadableFile_IsInvalidWithAQuarantineReport()
    {
        var (client, labels) = await ConnectAsync(Lifecycle());
        using var _ = client;

        var unknown = await UploadAsync(labels, "nobody/batch.json", "[]");
        var error = await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => client.Labeling.ImportAsync(StorageNames.LabelsContainer, "nobody/batch.json", unknown, CancellationToken.None));
        Assert.Contains("labeling project 'nobody'", error.Message, StringComparison.Ordinal);

        var broken = await UploadAsync(labels, $"{Project}/broken.json", "{\"not\": \"an array\"}");
        await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => client.Labeling.ImportAsync(StorageNames.LabelsContainer, $"{Project}/broken.json", broken, CancellationToken.None));

        var quarantine = client.Storage.Container(StorageNames.QuarantineContainer);
        var reports = await quarantine.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "labels/" }).Select(b => b.Name).Where(n => n.EndsWith("report.json", StringComparison.Ordinal)).ToListAsync();
        Assert.Equal(2, reports.Count);
        var texts = await Task.WhenAll(reports.Select(async r => (await quarantine.GetBlobClient(r).DownloadContentAsync()).Value.Content.ToString()));
        Assert.Contains(texts, t => t.Contains("unknown_project", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("unreadable", StringComparison.Ordinal) && t.Contains("not a Label Studio JSON export", StringComparison.Ordinal));
        Assert.Empty(await client.Labeling.Batches.ListAsync(Project));
    }

    [Fact]
    public async Task LabelQaFunction_ThroughTheLocalHost_ImportsDropsAndServesTheReport()
    {
        var prefix = TestNames.Prefix();
        var azurite = await SharedAzurite.GetAsync();
        using (var setup = new LlmOpsClient(azurite.ConnectionString, prefix))
        {
            await setup.ProvisionAsync();
            await setup.Lifecycles.PublishAsync(Lifecycle(), "support.yaml", CancellationToken.None);
        }

        var functions = TriggerCatalog.All.Where(f => f.Name is TriggerCatalog.LabelQa or TriggerCatalog.Labeling).ToList();
        await using var host = await TestHosts.StartAsync(new FunctionCatalog(functions), prefix: prefix);
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        var key = Uri.EscapeDataString((await host.GetKeysAsync()).FunctionKey);
        using (var none = await http.GetAsync(new Uri($"/api/labeling/{Project}?code={key}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }

        var labels = new StorageAccount(azurite.ConnectionString, prefix).Container(StorageNames.LabelsContainer);
        await UploadAsync(labels, $"{Project}/batch-1.json", Export(30));

        var report = await Eventually.UntilAsync(
            async () =>
            {
                using var response = await http.GetAsync(new Uri($"/api/labeling/{Project}?code={key}", UriKind.Relative));
                return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : (JsonElement?)null;
            },
            r => r is not null,
            "the LabelQA function's report");

        Assert.Equal(90, report!.Value.GetProperty("labels").GetInt32());
        Assert.Equal("krippendorff_alpha", report.Value.GetProperty("fields")[0].GetProperty("statistic").GetString());
        using var html = await http.GetAsync(new Uri($"/api/labeling/{Project}?format=html&code={key}", UriKind.Relative));
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        using var bad = await http.GetAsync(new Uri($"/api/labeling/{Project}?format=xml&code={key}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
