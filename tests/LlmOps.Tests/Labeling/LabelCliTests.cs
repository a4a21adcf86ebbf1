using LlmOps.Labeling;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Labeling;

/// <summary>`llmops label import|report|adjudicate|publish` against Azurite, with exit codes as README documents them.</summary>
public sealed class LabelCliTests
{
    [Fact]
    public async Task Label_ImportReportAdjudicatePublish_ExitCodesAndOutput()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        string[] common = ["--connection-string", azurite.ConnectionString, "--storage-prefix", prefix];
        var folder = Directory.CreateTempSubdirectory("llmops-label-cli-");
        try
        {
            // Tickets with text, so the labeled version carries each item's text.
            var tickets = Path.Combine(folder.FullName, "tickets.jsonl");
            await File.WriteAllLinesAsync(tickets, Enumerable.Range(0, 12).Select(i => $"{{\"id\":\"T-{i}\",\"body\":\"ticket number {i} about {(i % 2 == 0 ? "a refund" : "a login")}\"}}"));
            var lifecycle = Path.Combine(folder.FullName, "support.yaml");
            await File.WriteAllTextAsync(lifecycle, new LifecycleBuilder("support").Source("tickets", idField: "id").Section("""
                labeling:
                  projects:
                    - name: topics
                      source: { dataset: tickets }
                      fields: [{ name: topic, kind: categorical, values: [refund, login] }]
                      annotators: [ana, ben]
                """).Build());
            Assert.Equal(0, (await CliRun.RunAsync(["ingest", tickets, "--source", "tickets", "--lifecycle", lifecycle, .. common])).Exit);

            // Ben disagrees on T-3: a tie with two annotators.
            var labels = Path.Combine(folder.FullName, "round-1.csv");
            await File.WriteAllLinesAsync(labels, ["item,annotator,field,value", .. Enumerable.Range(0, 12).SelectMany(i => new[]
            {
                $"T-{i},ana,topic,{(i % 2 == 0 ? "refund" : "login")}",
                $"T-{i},ben,topic,{(i % 2 == 0 || i == 3 ? "refund" : "login")}",
            }), "T-1,zoe,topic,refund"]);
            var (imported, importText) = await CliRun.RunAsync(["label", "import", labels, "--project", "topics", .. common]);
            Assert.True(imported == 0, importText);
            Assert.Contains("24 answer(s) accepted, 1 quarantined, 0 cancelled", importText, StringComparison.Ordinal);
            Assert.Contains("Not publishable", importText, StringComparison.Ordinal);

            var (refused, refusedText) = await CliRun.RunAsync(["label", "publish", "topics", .. common]);
            Assert.Equal(3, refused);
            Assert.Contains("1 item field(s) await adjudication", refusedText, StringComparison.Ordinal);

            var (_, open) = await CliRun.RunAsync(["label", "adjudicate", "topics", .. common]);
            Assert.Contains("T-3", open, StringComparison.Ordinal);
            Assert.Contains("1 open, 0 decided", open, StringComparison.Ordinal);
            Assert.Equal(2, (await CliRun.RunAsync(["label", "adjudicate", "topics", "--item", "T-3", "--field", "topic", "--value", "billing", .. common])).Exit);
            Assert.Equal(0, (await CliRun.RunAsync(["label", "adjudicate", "topics", "--item", "T-3", "--field", "topic", "--value", "login", "--by", "lead", "--reason", "asks about a login", .. common])).Exit);

            var (report, reportText) = await CliRun.RunAsync(["label", "report", "topics", .. common]);
            Assert.Equal(0, report);
            Assert.Contains("Publishable", reportText, StringComparison.Ordinal);
            var (published, publishedText) = await CliRun.RunAsync(["label", "publish", "topics", .. common]);
            Assert.True(published == 0, publishedText);
            var id = System.Text.RegularExpressions.Regex.Match(publishedText, @"dataset:labels-topics@[0-9a-f]{12}").Value;
            Assert.NotEmpty(id);
            Assert.Contains("12 labeled item(s)", publishedText, StringComparison.Ordinal);

            using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
            var manifest = (await client.Datasets.GetAsync(id))!;
            var records = await client.Datasets.ReadRecordsAsync(manifest).ToListAsync();
            var t3 = records.Single(r => r.Id == "T-3");
            Assert.Equal(("login", true), (t3.Fields["topic"]?.ToString(), ((System.Text.Json.JsonElement)t3.Fields["topic_adjudicated"]!).GetBoolean()));
            Assert.Equal("ticket number 3 about a login", t3.Text);
            Assert.Empty(await client.Datasets.VerifyAsync(manifest));
            var upstream = await client.Lineage.QueryAsync(id, LlmOps.Lineage.LineageDirection.Upstream, 3, CancellationToken.None);
            Assert.Contains(upstream.Nodes, n => n.Id.StartsWith("labels:topics@", StringComparison.Ordinal));
            Assert.Contains(upstream.Nodes, n => n.Id.StartsWith("blob:labels/topics/round-1.csv@", StringComparison.Ordinal));

            // Publishing the same labels again is the same version.
            Assert.Contains(id, (await CliRun.RunAsync(["label", "publish", "topics", .. common])).Output, StringComparison.Ordinal);
            Assert.Equal(4, (await CliRun.RunAsync(["label", "report", "nobody", .. common])).Exit);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
