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
                      source: { dataset: tickets, seed: 5 }
                      fields: [{ name: topic, kind: categorical, values: [refund, login] }]
                      annotators: [ana, ben]
                      gold: { share: 0.2 }
                """).Build());
            Assert.Equal(0, (await CliRun.RunAsync(["ingest", tickets, "--source", "tickets", "--lifecycle", lifecycle, .. common])).Exit);

            // Gold answers for two tickets, then a task set: 10 regular items + 2 gold (share 0.2 of 12), overlap 2.
            using (var setup = new LlmOpsClient(azurite.ConnectionString, prefix))
            {
                await setup.Storage.Container(LlmOps.Storage.StorageNames.LabelsContainer).GetBlobClient("topics/gold.jsonl")
                    .UploadAsync(BinaryData.FromString("{\"item\":\"T-0\",\"field\":\"topic\",\"value\":\"refund\"}\n{\"item\":\"T-1\",\"field\":\"topic\",\"value\":\"login\"}\n"));
            }

            var (tasks, tasksText) = await CliRun.RunAsync(["label", "tasks", "topics", .. common]);
            Assert.True(tasks == 0, tasksText);
            Assert.Contains("12 item(s) from dataset:tickets@", tasksText, StringComparison.Ordinal);
            Assert.Contains("(2 gold), overlap 2", tasksText, StringComparison.Ordinal);
            using (var check = new LlmOpsClient(azurite.ConnectionString, prefix))
            {
                var set = Assert.Single(await check.Labeling.TaskSets.ListAsync("topics", CancellationToken.None));
                Assert.Equal(["T-0", "T-1"], set.Gold);
                Assert.All(set.Assignments.Values, items => Assert.Equal(12, items.Count));
                var labelsContainer = check.Storage.Container(LlmOps.Storage.StorageNames.LabelsContainer);
                var anaTasks = (await labelsContainer.GetBlobClient($"topics/tasks/{set.Id}/ana.json").DownloadContentAsync()).Value.Content.ToString();
                Assert.Contains("\"text\": \"ticket number 3 about a login\"", anaTasks, StringComparison.Ordinal);
                Assert.DoesNotContain("gold", anaTasks, StringComparison.OrdinalIgnoreCase);
                Assert.StartsWith("item,text\n", (await labelsContainer.GetBlobClient($"topics/tasks/{set.Id}/ben.csv").DownloadContentAsync()).Value.Content.ToString(), StringComparison.Ordinal);
                // Built again from the same version and seed: the same set.
                Assert.Equal(set.Id, (await check.Labeling.TaskSets.CreateAsync(await check.Labeling.ProjectAsync("topics", CancellationToken.None), null, CancellationToken.None)).Id);
                Assert.Single(await check.Labeling.TaskSets.ListAsync("topics", CancellationToken.None));
            }

            // Ben disagrees on T-3: a tie with two annotators.
            var labels = Path.Combine(folder.FullName, "round-1.csv");
            await File.WriteAllLinesAsync(labels, ["item,annotator,field,value", .. Enumerable.Range(0, 12).SelectMany(i => new[]
            {
                $"T-{i},ana,topic,{(i % 2 == 0 ? "refund" : "login")}",
                $"T-{i},ben,topic,{(i % 2 == 0 || i == 3 ? "refund" : "login")}",
            }), "T-1,zoe,topic,refund", "T-99,ana,topic,refund"]);
            var (imported, importText) = await CliRun.RunAsync(["label", "import", labels, "--project", "topics", .. common]);
            Assert.True(imported == 0, importText);
            // zoe is no annotator; T-99 is in no task set.
            Assert.Contains("24 answer(s) accepted, 2 quarantined, 0 cancelled", importText, StringComparison.Ordinal);
            Assert.Contains("Not publishable", importText, StringComparison.Ordinal);

            var (refused, refusedText) = await CliRun.RunAsync(["label", "publish", "topics", .. common]);
            Assert.Equal(3, refused);
            Assert.Contains("1 item field(s) await adjudication", refusedText, StringComparison.Ordinal);

            var (_, open) = await CliRun.RunAsync(["label", "adjudicate", "topics", .. common]);
            Assert.Contains("T-3", open, StringComparison.Ordinal);
            Assert.Contains("1 open, 0 decided", open, StringComparison.Ordinal);
            Assert.Equal(2, (await CliRun.RunAsync(["label", "adjudicate", "topics", "--item", "T-3", "--field", "topic", "--value", "billing", .. common])).Exit);
            Assert.Equal(0, (await CliRun.RunAsync(["label", "adjudicate", "topics", "--item", "T-3", "--field", "topic", "--value", "login", "--reason", "asks about a login", .. common])).Exit);

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
            var full = await client.Lineage.QueryAsync(id, LlmOps.Lineage.LineageDirection.Upstream, 6, CancellationToken.None);
            Assert.Contains(full.Nodes, n => n.Id.StartsWith("tasks:topics@", StringComparison.Ordinal));
            Assert.Contains(full.Nodes, n => n.Id.StartsWith("dataset:tickets@", StringComparison.Ordinal));

            // The labeled version is an evaluation set as it stands: the ticket's text is the input, the consensus topic
            // (its only label field) the expected answer.
            var examples = await client.EvaluationSets.ReadAsync(id);
            Assert.Equal(12, examples.Count);
            var example = examples.Single(e => e.Id == "T-3");
            Assert.Equal(("ticket number 3 about a login", "login"), (example.Input, example.Expected));
            var noField = await Assert.ThrowsAsync<LlmOps.Errors.LlmOpsException>(() => client.EvaluationSets.ReadAsync(id, "urgency"));
            Assert.Equal(LlmOps.Errors.ErrorCode.Invalid, noField.Code);
            Assert.Contains("has no field 'urgency'", noField.Message, StringComparison.Ordinal);

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
