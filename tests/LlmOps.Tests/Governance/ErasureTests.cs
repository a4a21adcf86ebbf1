using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using LlmOps.Feedback;
using LlmOps.Governance;
using LlmOps.Ingestion;
using LlmOps.Registry;
using LlmOps.Storage;
using LlmOps.Tracking;
using LlmOps.Tests.Infrastructure;
using Parquet.Serialization;

namespace LlmOps.Tests.Governance;

/// <summary>
/// One data subject erased from 10,000 records and everything made of them (the raw drop, quarantine, the dataset
/// version, its embedding index, a task set, a label drop, traces, scores, Parquet parts, a feedback drop): afterwards no
/// blob (snapshots included, gzip and Parquet read) and no table row holds any of their values, every other record
/// keeps its id in a successor version, and the original file dropped again does not bring them back.
/// </summary>
public sealed class ErasureTests
{
    private const string Email = "jane@example.com";

    // What only the subject's records hold: her address, her record ids, the words of her texts.
    private static readonly string[] HerValues = [Email, "subj-a", "zqxmarker"];

    private static readonly string Lifecycle =
        new LifecycleBuilder("privacy").Source("tickets", idField: "id", fields: [LifecycleBuilder.Id, "customer: { type: string }", LifecycleBuilder.Body]).Section("""
            labeling:
              projects:
                - name: intents
                  source: { dataset: tickets, seed: 3 }
                  fields: [{ name: intent, kind: categorical, values: [refund, login, other] }]
                  annotators: [ana, ben]
            embedding: { provider: local, model: lexical-ngram, dimensions: 384 }
            """).Build();

    [Fact]
    public async Task EraseOneSubjectOf10000_NoValueLeftAnywhere_OthersKeepTheirIds_ARedropStaysOut()
    {
        var connection = (await SharedAzurite.GetAsync()).ConnectionString;
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(connection, prefix, Caller.Local("root"));
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(Lifecycle, "privacy.yaml", CancellationToken.None);

        // 10,000 tickets; three are Jane's (her address as the customer, or in the text), one more of hers has no body.
        var lines = Enumerable.Range(0, 10_000).Select(i => JsonSerializer.Serialize(new { id = $"T-{i:00000}", customer = $"user{i}@example.org", body = $"Ticket {i}: the {(i % 3 == 0 ? "refund" : "login")} issue number {i} needs help." })).ToList();
        lines[17] = JsonSerializer.Serialize(new { id = "SUBJ-A1", customer = Email, body = "My printer jams on tray two, zqxmarker one." });
        lines[4242] = JsonSerializer.Serialize(new { id = "SUBJ-A2", customer = "other@example.org", body = "Please write back to JANE@example.com about zqxmarker two." });
        lines[9000] = JsonSerializer.Serialize(new { id = "SUBJ-A3", customer = Email, body = "Refund the zqxmarker three order." });
        lines.Add(JsonSerializer.Serialize(new { id = "SUBJ-A4", customer = Email }));
        var file = Path.Combine(Directory.CreateTempSubdirectory("llmops-erasure-").FullName, "tickets.jsonl");
        await File.WriteAllLinesAsync(file, lines);
        var ingested = await client.IngestFileAsync(file, "tickets");
        var version = ingested.Version!;
        Assert.Equal(10_000, version.Records);
        Assert.Equal(1, ingested.Counts.Quarantined);
        var index = (await client.Refresher.RefreshAsync(version.Id, CancellationToken.None)).Index;

        var project = await client.Labeling.ProjectAsync("intents", CancellationToken.None);
        var tasks = await client.Labeling.TaskSets.CreateAsync(project, version.Id, CancellationToken.None);
        Assert.Contains("SUBJ-A1", tasks.Items);
        var labels = client.Storage.Container(StorageNames.LabelsContainer);
        await labels.GetBlobClient("intents/round-1.csv").UploadAsync(BinaryData.FromString("item,intent\nSUBJ-A1,other\nT-00001,login\n"));

        var key = await client.Subjects.KeyAsync();
        var now = DateTimeOffset.UtcNow;
        Trace TraceOf(string id, string? user, string input) =>
            new(id, now, "privacy", null, null, null, null, input, "an answer", [], 12, 3, 4, null, null, null, Trace.Ok, null, [], key.Hash("user", user), null);
        Trace[] traces = [TraceOf("tr-jane", Email, "where is my refund"), TraceOf("tr-other", "bob@example.org", "how do I log in"), TraceOf("tr-text", "carl@example.org", "forward to jane@example.com zqxmarker four")];
        await client.Feedback.AddTracesAsync(traces);
        Score[] scores = [new("s-1", "tr-jane", null, Score.ThumbsUp, Score.Boolean, 0, null, Score.Human, "slow, zqxmarker five", null, now), new("s-2", "tr-other", null, Score.ThumbsUp, Score.Boolean, 1, null, Score.Human, null, null, now)];
        await client.Feedback.AddScoresAsync(scores);
        var partitions = new FeedbackPartitions(client.Storage, TimeProvider.System);
        await partitions.AppendTracesAsync(traces);
        await partitions.AppendScoresAsync(scores);
        await client.Storage.Container(StorageNames.FeedbackContainer).GetBlobClient("privacy/scores-1.jsonl")
            .UploadAsync(BinaryData.FromString("{\"traceId\":\"tr-jane\",\"name\":\"thumbs_up\",\"value\":0}\n{\"traceId\":\"tr-other\",\"name\":\"thumbs_up\",\"value\":1,\"comment\":\"fine\"}\n"));

        // A prompt evaluated on the version is champion and serves prod; then the lifecycle asks one approval for such moves.
        var run = await client.Tracker.StartRunAsync("privacy", new RunStart { Tags = new Dictionary<string, string> { ["feature"] = "privacy" } });
        await client.Tracker.LogInputAsync(run.Id, version.Id);
        await client.Tracker.LogMetricAsync(run.Id, "answer_accuracy", 0.9);
        await client.Tracker.EndRunAsync(run.Id);
        var prompt = await client.Registry.RegisterAsync(new RegisterRequest("prompt:privacy", run.Id) { Template = "Answer {{question}}", Feature = "privacy" });
        await client.Registry.MoveAliasAsync("prompt:privacy", ModelRegistry.Champion, prompt.Version, "first");
        await client.Registry.DeployAsync("prompt:privacy", prompt.Version, "prod");
        await client.Lifecycles.PublishAsync(Lifecycle + "governance: { approvals: 1 }\n", "privacy.yaml", CancellationToken.None);

        // Someone searched for her address (the query log keeps queries for the retrieval signals).
        await client.Search.SearchAsync("tickets from jane@example.com", index.Id, 3, null, null, cancellationToken: CancellationToken.None);

        // Before: each of her values is somewhere.
        var before = await ScanAsync(client);
        Assert.All(HerValues, v => Assert.Contains(before, hit => hit.Value == v));

        var dry = await client.Erasure.EraseAsync(Email, why: "GDPR request 17", dryRun: true);
        Assert.True(dry.Removed > 0);

        var report = await client.Erasure.EraseAsync(Email, why: "GDPR request 17");
        Assert.Equal(dry.Removed, report.Removed);
        Assert.Equal(4, report.Items.Single(i => i.Store == "raw").Removed);
        var successorId = report.Items.Single(i => i.Store == "dataset").Successor!;
        Assert.Equal(3, report.Items.Single(i => i.Store == "dataset").Removed);
        Assert.Equal(2, report.Items.Where(i => i.Store == "traces").Sum(i => i.Removed));

        // After: none of her values anywhere, in any blob or row.
        var after = await ScanAsync(client);
        Assert.True(after.Count == 0, string.Join("\n", after.Take(20).Select(h => $"{h.Value} in {h.Where}")));

        // Every other record, with its id, is in the successor; the old version says erased; the index follows.
        var successor = (await client.Datasets.GetAsync(successorId))!;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var record in client.Datasets.ReadRecordsAsync(successor))
        {
            ids.Add(record.Id);
        }

        var expected = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!).Where(id => !id.StartsWith("SUBJ", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(expected.Count, ids.Count);
        Assert.True(expected.SetEquals(ids));
        Assert.Empty(await client.Datasets.VerifyAsync(successor));
        var tombstone = (await client.Datasets.TombstoneAsync(version.Id))!;
        Assert.Equal(successorId, tombstone.Successor);
        Assert.Equal(successorId, (await client.Datasets.LatestAsync("tickets"))!.Id);
        var (exit, text) = await CliRun.RunAsync("datasets", "verify", version.Id, "--connection-string", connection, "--storage-prefix", prefix);
        Assert.True(exit == 0, text);
        Assert.Contains("erased", text, StringComparison.Ordinal);
        var newIndex = report.Items.Single(i => i.Store == "index");
        Assert.Equal(index.Id, newIndex.Name);
        var loaded = await client.Indexes.LoadAsync((await client.Indexes.GetAsync(newIndex.Successor!))!);
        Assert.Equal(index.Vectors - newIndex.Removed, loaded.Count);
        var lineage = await client.Lineage.QueryAsync(successorId, LlmOps.Lineage.LineageDirection.Upstream, 1, CancellationToken.None);
        Assert.Contains(lineage.Edges, e => e.Relation == LlmOps.Lineage.LineageRelation.ErasedFrom);
        Assert.Equal(["T-00001"], (await client.Labeling.TaskSets.ListAsync("intents", CancellationToken.None)).Single().Items.Where(i => i == "T-00001"));
        Assert.NotNull((await client.Feedback.GetAsync("tr-other")).Trace);
        Assert.Null((await client.Feedback.GetAsync("tr-jane")).Trace);
        // The prompt built on the erased version has a successor; moving its champion alias and prod deployment waits for a second person.
        var replaced = report.Items.Single(i => i.Store == "registry");
        Assert.Equal(prompt.Id, replaced.Name);
        Assert.Equal("prompt:privacy/2", replaced.Successor);
        var waiting = report.Items.Where(i => i.Store is "alias" or "deployment").ToList();
        Assert.Equal(2, waiting.Count);
        Assert.All(waiting, w => Assert.StartsWith("waits for approval as change:", w.Note, StringComparison.Ordinal));
        using (var ana = new LlmOpsClient(connection, prefix, Caller.Local("ana")))
        {
            foreach (var request in waiting)
            {
                await ana.Governance.ApproveAsync(request.Note!["waits for approval as ".Length..], "erasure checked");
            }
        }

        Assert.Equal(2, (await client.Registry.GetAliasAsync("prompt:privacy", ModelRegistry.Champion))!.Version);
        Assert.Equal(2, (await client.Registry.GetTrafficAsync("prompt:privacy", "prod")).Stable!.Version);
        var entry = Assert.Single(await client.Governance.Audit.ListAsync(action: "erasure").ToListAsync());
        Assert.Equal(report.Subject, entry.Target);

        // The original file dropped again: her records are quarantined without their fields, the version holds none of them.
        var redrop = await client.IngestFileAsync(file, "tickets");
        Assert.Equal(4, redrop.Counts.QuarantinedByRule.GetValueOrDefault("erased"));
        await foreach (var record in client.Datasets.ReadRecordsAsync(redrop.Version!))
        {
            Assert.DoesNotContain("SUBJ", record.Id, StringComparison.Ordinal);
        }

        var quarantined = await ScanAsync(client, StorageNames.QuarantineContainer);
        Assert.Empty(quarantined);
        File.Delete(file);
    }

    [Fact]
    public async Task EraseByField_InACsvDrop_OnlyThatFieldCounts()
    {
        var connection = (await SharedAzurite.GetAsync()).ConnectionString;
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(connection, prefix, Caller.Local("root"));
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(
            new LifecycleBuilder("orders").Source("orders", idField: "id", fields: [LifecycleBuilder.Id, "customer_id: { type: string }", LifecycleBuilder.Body]).Build(), "orders.yaml", CancellationToken.None);
        var file = Path.Combine(Directory.CreateTempSubdirectory("llmops-erasure-csv-").FullName, "orders.csv");
        await File.WriteAllTextAsync(file, "id,customer_id,body\nO-1,C-7,first order\nO-2,C-1001,second order\nO-3,C-8,asks about C-1001's order\n");
        var version = (await client.IngestFileAsync(file, "orders")).Version!;

        var report = await client.Erasure.EraseAsync("C-1001", "customer_id", "request 4");

        Assert.Equal(1, report.Items.Single(i => i.Store == "raw").Removed);
        var raw = (await client.Storage.Container(StorageNames.RawContainer).GetBlobClient("orders/orders.csv").DownloadContentAsync()).Value.Content.ToString();
        Assert.Equal("id,customer_id,body\nO-1,C-7,first order\nO-3,C-8,asks about C-1001's order\n", raw);
        var successor = (await client.Datasets.GetAsync(report.Items.Single(i => i.Store == "dataset").Successor!))!;
        var ids = new List<string>();
        await foreach (var record in client.Datasets.ReadRecordsAsync(successor))
        {
            ids.Add(record.Id);
        }

        Assert.Equal(["O-1", "O-3"], ids);
        Assert.NotEqual(version.Id, successor.Id);
        File.Delete(file);
    }

    [Fact]
    public void Subject_PhoneWrittenOtherwise_MatchesByDetector_NotOtherNumbers()
    {
        var subject = DataSubject.Create("+33 6 12 34 56 78");
        Assert.Equal("phone", subject.Type);
        Assert.True(subject.MatchesText("Rappelez-moi au 06 12 34 56 78 svp"));
        Assert.True(subject.MatchesLine("{\"body\":\"tel 0612345678\"}"));
        Assert.False(subject.MatchesText("Commande 0612345679, merci"));
        var byField = DataSubject.Create("C-1001", "customer_id");
        Assert.True(byField.Matches(new Dictionary<string, object?> { ["customer_id"] = "c-1001" }, "anything"));
        Assert.False(byField.Matches(new Dictionary<string, object?> { ["customer_id"] = "C-1002" }, "C-1001 in text only"));
        Assert.Throws<Errors.LlmOpsException>(() => DataSubject.Create("  "));
    }

    /// <summary>Every blob (snapshots too; gzip and Parquet read as text) and every table row of the store holding one of her values.</summary>
    private static async Task<List<(string Value, string Where)>> ScanAsync(LlmOpsClient client, string? only = null)
    {
        var hits = new List<(string, string)>();
        void Look(string text, string where)
        {
            foreach (var value in HerValues)
            {
                if (text.Contains(value, StringComparison.OrdinalIgnoreCase))
                {
                    hits.Add((value, where));
                }
            }
        }

        foreach (var name in only is null ? StorageNames.Containers : [only])
        {
            var container = client.Storage.Container(name);
            await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { States = BlobStates.Snapshots }))
            {
                var item = blob.Snapshot is null ? container.GetBlobClient(blob.Name) : container.GetBlobClient(blob.Name).WithSnapshot(blob.Snapshot);
                var bytes = (await item.DownloadContentAsync()).Value.Content.ToArray();
                string text;
                if (blob.Name.EndsWith(".parquet", StringComparison.Ordinal))
                {
                    text = blob.Name.StartsWith(FeedbackPartitions.TracesFolder, StringComparison.Ordinal)
                        ? JsonSerializer.Serialize((await ParquetSerializer.DeserializeAsync<TraceRecord>(new MemoryStream(bytes))).Data)
                        : JsonSerializer.Serialize((await ParquetSerializer.DeserializeAsync<ScoreRecord>(new MemoryStream(bytes))).Data);
                }
                else if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
                {
                    using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                    using var reader = new StreamReader(gzip, Encoding.UTF8);
                    text = await reader.ReadToEndAsync();
                }
                else
                {
                    text = Encoding.UTF8.GetString(bytes);
                }

                Look(text, $"{name}/{blob.Name}{(blob.Snapshot is null ? "" : "@" + blob.Snapshot)}");
            }
        }

        if (only is null)
        {
            foreach (var name in StorageNames.Tables)
            {
                await foreach (var row in client.Storage.Table(name).QueryAsync<TableEntity>())
                {
                    Look(string.Join("|", row.Select(p => $"{p.Key}={p.Value}")), $"table {name} {row.PartitionKey}/{row.RowKey}");
                }
            }
        }

        return hits;
    }
}
