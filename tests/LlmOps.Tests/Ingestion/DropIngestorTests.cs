using System.IO.Compression;
using System.Text;
using LlmOps.Datasets;
using LlmOps.Ingestion;
using LlmOps.Storage;
using Parquet.Serialization;

namespace LlmOps.Tests.Ingestion;

public sealed class DropIngestorTests
{
    private static byte[] Jsonl(params string[] lines) => Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");

    private static string Ticket(int id, string body, string channel = "email") =>
        $"{{\"id\":\"T-{id}\",\"created\":\"2026-11-0{(id % 9) + 1}T10:00:00Z\",\"channel\":\"{channel}\",\"priority\":{id % 3},\"body\":\"{body}\"}}";

    [Fact]
    public async Task GoodDrop_PublishesVersion_WithCountsPiiAndChunks()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var result = await fixture.DropAndIngestAsync("tickets.jsonl", Jsonl(
            Ticket(1, "Please reset my password, my email is jane.doe@example.com and my phone +1 415-555-0132."),
            Ticket(2, "<p>The export <b>times out</b> after 60&nbsp;seconds.</p>"),
            Ticket(3, "Card 4111 1111 1111 1111 was charged twice, IBAN DE89 3704 0044 0532 0130 00 refunded.")));

        Assert.Equal(IngestionStatus.Published, result.Status);
        var manifest = result.Version!;
        Assert.StartsWith($"dataset:{fixture.Source}@", manifest.Id, StringComparison.Ordinal);
        Assert.Equal(3, manifest.Records);
        Assert.Equal(3, manifest.Quality.Read);
        Assert.Equal(1, manifest.Pii["email"]);
        Assert.Equal(1, manifest.Pii["phone"]);
        Assert.Equal(1, manifest.Pii["card"]);
        Assert.Equal(1, manifest.Pii["iban"]);
        Assert.StartsWith($"prep:{fixture.Source}@v1-", manifest.PreprocessingVersion, StringComparison.Ordinal);
        Assert.Equal($"{fixture.DropContainer}/{fixture.Source}/tickets.jsonl", manifest.SourceBlob);

        var records = await new DatasetStore(fixture.Storage).ReadRecordsAsync(manifest).ToListAsync();
        Assert.Equal(["T-1", "T-2", "T-3"], records.Select(r => r.Id));
        Assert.Equal("Please reset my password, my email is [EMAIL] and my phone [PHONE].", records[0].Text);
        Assert.Equal("The export times out after 60 seconds.", records[1].Text);
        Assert.Equal("en", records[0].Language);
        Assert.Equal($"{fixture.Source}:T-1#0000", records[0].Chunks[0].Id);

        var announcements = (await fixture.Storage.Queue(StorageNames.DatasetVersionsQueue).PeekMessagesAsync(32)).Value;
        Assert.Contains(announcements, m => m.Body.ToString().Contains(manifest.Id, StringComparison.Ordinal));
        Assert.Empty(await StagedAsync(fixture, result));
    }

    [Fact]
    public async Task TheBlobTrigger_ReadsTheLifecyclesOncePerDrop_AndIngestsTheSourceItsPathNames()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var (name, etag) = await fixture.DropAsync("once.jsonl", Jsonl(Ticket(1, "The export times out after 60 seconds.")));
        var handler = new IngestDropHandler(fixture.Ingestor, fixture.Catalog);
        var before = fixture.Catalog.Loads;

        await handler.HandleAsync(new LlmOps.Triggers.BlobTriggerInput(fixture.DropContainer, name, etag, new Dictionary<string, string> { ["source"] = fixture.Source }), CancellationToken.None);

        Assert.Equal(1, fixture.Catalog.Loads - before);
        Assert.Single(await new DatasetStore(fixture.Storage).ListAsync(fixture.Source).ToListAsync());
    }

    [Fact]
    public async Task GzipBomb_QuarantinedWholeAtOnce_AsADecompressionBomb()
    {
        var fixture = await IngestionFixture.CreateAsync();
        using var bomb = new MemoryStream();
        using (var gzip = new GZipStream(bomb, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes("{\"id\":\"T-1\",\"body\":\""));
            var block = new byte[1 << 20];
            Array.Fill(block, (byte)'a');
            for (var i = 0; i < 1024; i++)
            {
                gzip.Write(block); // 1 GiB of one letter
            }

            gzip.Write(Encoding.UTF8.GetBytes("\"}\n"));
        }

        Assert.True(bomb.Length < 2 << 20, $"the bomb is {bomb.Length} bytes compressed");
        var result = await fixture.DropAndIngestAsync("bomb.jsonl.gz", bomb.ToArray());

        Assert.Equal(IngestionStatus.Unreadable, result.Status);
        Assert.Contains("decompression bomb", result.Reason, StringComparison.Ordinal);
        Assert.Contains("max_compression_ratio", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreprocessingOverride_SameDrop_BecomesItsOwnVersion_ChunkedAsAsked_LifecycleUntouched()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var longBody = string.Join(' ', Enumerable.Range(0, 150).Select(i => $"word{i}"));
        var (blobName, etag) = await fixture.DropAsync("variants.jsonl", Jsonl(Ticket(1, longBody), Ticket(2, "A short body")));
        var catalog = new LlmOps.Lifecycle.LifecycleCatalog(fixture.Storage, new LlmOps.Governance.ChangeControl(fixture.Storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(fixture.Storage, TimeProvider.System));
        var lifecycle = (await catalog.FindSourceAsync(fixture.Source, CancellationToken.None))!.Value.Lifecycle;

        var asDeclared = await fixture.Ingestor.IngestAsync(fixture.Source, fixture.DropContainer, blobName, etag, CancellationToken.None);
        var small = await fixture.Ingestor.IngestAsync(fixture.Source, fixture.DropContainer, blobName, etag, lifecycle.Preprocessing with { ChunkTokens = 16, ChunkOverlap = 4 }, CancellationToken.None);

        Assert.Equal((IngestionStatus.Published, IngestionStatus.Published), (asDeclared.Status, small.Status));
        Assert.NotEqual(asDeclared.Version!.Id, small.Version!.Id);
        Assert.NotEqual(asDeclared.Version.PreprocessingVersion, small.Version.PreprocessingVersion);
        Assert.True(small.Version.Chunks > asDeclared.Version.Chunks, $"{small.Version.Chunks} chunks of 16 tokens against {asDeclared.Version.Chunks} of 64");
        var records = await new DatasetStore(fixture.Storage).ReadRecordsAsync(small.Version).ToListAsync();
        Assert.All(records.SelectMany(r => r.Chunks), c => Assert.InRange(c.TokenCount, 1, 16));
        // The same override again is the same version; the published lifecycle still gives the first one.
        var again = await fixture.Ingestor.IngestAsync(fixture.Source, fixture.DropContainer, blobName, etag, lifecycle.Preprocessing with { ChunkTokens = 16, ChunkOverlap = 4 }, CancellationToken.None);
        Assert.Equal(small.Version.Id, again.Version!.Id);
        Assert.Equal(64, (await catalog.FindSourceAsync(fixture.Source, CancellationToken.None))!.Value.Lifecycle.Preprocessing.ChunkTokens);
        Assert.Equal(asDeclared.Version.Id, (await fixture.Ingestor.IngestAsync(fixture.Source, fixture.DropContainer, blobName, etag, CancellationToken.None)).Version!.Id);

        var invalid = await Assert.ThrowsAsync<LlmOps.Errors.LlmOpsException>(() => fixture.Ingestor.IngestAsync(
            fixture.Source, fixture.DropContainer, blobName, etag, lifecycle.Preprocessing with { ChunkTokens = 16, ChunkOverlap = 16 }, CancellationToken.None));
        Assert.Contains("overlap from 0 to less than max_tokens", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrashBetweenManifestAndAnnouncement_RetryAnnouncesOnce_OutcomeStaysPublished()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var (blobName, etag) = await fixture.DropAsync("crash.jsonl", Jsonl(Ticket(1, "First body"), Ticket(2, "Second body")));
        var crashes = 1;
        fixture.Ingestor.BeforeAnnounce = _ => crashes-- > 0 ? throw new IOException("injected: the process died before the send") : Task.CompletedTask;

        await Assert.ThrowsAsync<IOException>(() => fixture.Ingestor.IngestAsync(fixture.Source, fixture.DropContainer, blobName, etag, CancellationToken.None));
        var datasets = new DatasetStore(fixture.Storage);
        var halfDone = Assert.Single(await datasets.EntriesAsync(fixture.Source).ToListAsync());
        Assert.False(halfDone.Announced); // the manifest and the catalog row exist; the announcement does not

        var retry = await fixture.Ingestor.IngestAsync(fixture.Source, fixture.DropContainer, blobName, etag, CancellationToken.None);
        Assert.Equal(IngestionStatus.Published, retry.Status);
        var announced = Assert.Single(await datasets.EntriesAsync(fixture.Source).ToListAsync());
        Assert.True(announced.Announced);
        Assert.False(string.IsNullOrEmpty(announced.MessageId));
        Assert.Equal(retry.Version!.Id, (await datasets.LatestAsync(fixture.Source))!.Id);

        // A third run of the same blob version (a host killed before its receipt): same outcome, no second message.
        var again = await fixture.Ingestor.IngestAsync(fixture.Source, fixture.DropContainer, blobName, etag, CancellationToken.None);
        Assert.Equal(IngestionStatus.Published, again.Status);
        Assert.Equal(announced.MessageId, Assert.Single(await datasets.EntriesAsync(fixture.Source).ToListAsync()).MessageId);
        var row = (await fixture.Storage.Table(StorageNames.IngestionsTable).GetEntityAsync<IngestionRecord>(TableKey.Encode(fixture.Source), TableKey.Encode($"{blobName}|{etag}"))).Value;
        Assert.Equal("Published", row.Status);
        Assert.Equal(2, row.Attempts);
        Assert.Empty(await StagedAsync(fixture, again));
    }

    [Fact]
    public async Task EditedRecordsDroppedAgain_AreUpdates_NewVersionHasNewContent_DiffSaysChanged()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var tickets = Enumerable.Range(1, 200).Select(i => Ticket(i, $"Ticket number {i} about the export")).ToArray();
        var first = await fixture.DropAndIngestAsync("all.jsonl", Jsonl(tickets));
        var edited = tickets.Select((t, i) => i is 10 or 150 ? Ticket(i + 1, $"Ticket number {i + 1} about the export, edited") : t).ToArray();
        var second = await fixture.DropAndIngestAsync("all.jsonl", Jsonl(edited));

        Assert.Equal(IngestionStatus.Published, second.Status);
        Assert.Equal(200, second.Counts.Accepted);
        Assert.Equal(2, second.Counts.Updated);
        Assert.Equal(0, second.Counts.Quarantined);
        var datasets = new DatasetStore(fixture.Storage);
        var records = await datasets.ReadRecordsAsync(second.Version!).ToListAsync();
        Assert.Equal("Ticket number 11 about the export, edited", records.Single(r => r.Id == "T-11").Text);
        var diff = await datasets.DiffAsync(first.Version!, second.Version!);
        Assert.Equal(["T-11", "T-151"], diff.Changed);
        Assert.Empty(diff.Removed);
        Assert.Empty(diff.Added);
    }

    [Fact]
    public async Task EditedRecords_OnUpdateQuarantine_AreQuarantinedWithTheirRule()
    {
        var fixture = await IngestionFixture.CreateAsync(onUpdate: "quarantine");
        await fixture.DropAndIngestAsync("all.jsonl", Jsonl(Ticket(1, "First body"), Ticket(2, "Second body")));
        var second = await fixture.DropAndIngestAsync("all.jsonl", Jsonl(Ticket(1, "First body"), Ticket(2, "Second body, edited")));

        Assert.Equal(1, second.Counts.Quarantined);
        Assert.Equal(1, second.Counts.QuarantinedByRule["on_update"]);
        Assert.Equal(0, second.Counts.Updated);
    }

    [Fact]
    public async Task RecordsDifferingOnlyInPersonalData_AreNotDuplicates_QuarantineHoldsNoPersonalData()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var result = await fixture.DropAndIngestAsync("pii.jsonl", Jsonl(
            Ticket(1, "Write to jane@example.com about the refund"),
            Ticket(2, "Write to john@example.org about the refund"),
            Ticket(3, "Write to jane@example.com about the refund"),
            Ticket(4, "Call +1 415-555-0134 or mail bob@example.net", channel: "fax")));

        // 1 and 2 differ only in the address: both kept; 3 repeats 1 exactly: dedup; 4 fails allowed_values.
        Assert.Equal(2, result.Counts.Accepted);
        Assert.Equal(1, result.Counts.QuarantinedByRule["dedup"]);
        Assert.Equal(1, result.Counts.QuarantinedByRule["allowed_values"]);
        var rejected = string.Join("\n", await ReadQuarantineAsync(fixture, result.QuarantineFolder!));
        Assert.DoesNotContain("jane@example.com", rejected, StringComparison.Ordinal);
        Assert.DoesNotContain("bob@example.net", rejected, StringComparison.Ordinal);
        Assert.DoesNotContain("415-555-0134", rejected, StringComparison.Ordinal);
        Assert.Contains("[EMAIL]", rejected, StringComparison.Ordinal);
        Assert.Contains("\"line\":4", rejected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SameContentDroppedTwice_OneVersion_SecondWritesNothing()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var content = Jsonl(Ticket(1, "First ticket body"), Ticket(2, "Second ticket body"));
        var first = await fixture.DropAndIngestAsync("a.jsonl", content);
        var blobsAfterFirst = await CountBlobsAsync(fixture, StorageNames.DatasetsContainer);

        var again = await fixture.DropAndIngestAsync("a.jsonl", content);
        var elsewhere = await fixture.DropAndIngestAsync("copy-of-a.jsonl", content);

        Assert.Equal(IngestionStatus.Published, first.Status);
        Assert.Equal(IngestionStatus.Unchanged, again.Status);
        Assert.Equal(IngestionStatus.Unchanged, elsewhere.Status);
        Assert.Equal(first.Version!.Id, again.Version!.Id);
        Assert.Equal(first.Version.Id, elsewhere.Version!.Id);
        Assert.Equal(blobsAfterFirst, await CountBlobsAsync(fixture, StorageNames.DatasetsContainer));
        Assert.Single(await new DatasetStore(fixture.Storage).ListAsync(fixture.Source).ToListAsync());
        Assert.Empty(await StagedAsync(fixture, again));
        Assert.Empty(await StagedAsync(fixture, elsewhere));
    }

    [Fact]
    public async Task BlobOverwrittenOrDeletedBeforeItIsRead_OldVersionSkipped_NothingPublishedOrQuarantined()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var (name, first) = await fixture.DropAsync("moving.jsonl", Jsonl(Ticket(1, "First version of the drop")));
        var (_, second) = await fixture.DropAsync("moving.jsonl", Jsonl(Ticket(1, "Second version of the drop")));
        var (gone, goneETag) = await fixture.DropAsync("gone.jsonl", Jsonl(Ticket(2, "Deleted before it was read")));
        await fixture.Storage.Container(fixture.DropContainer).GetBlobClient(gone).DeleteAsync();

        // The trigger of the first version fires late: the read is pinned to that version, so it skips; the second
        // version (its own trigger) is published from its own content.
        var stale = await fixture.Ingestor.IngestAsync(fixture.Source, fixture.DropContainer, name, first, CancellationToken.None);
        var deleted = await fixture.Ingestor.IngestAsync(fixture.Source, fixture.DropContainer, gone, goneETag, CancellationToken.None);
        Assert.Equal(IngestionStatus.Unchanged, stale.Status);
        Assert.Equal("the blob changed before it was read", stale.Reason);
        Assert.Null(stale.Version);
        Assert.Equal(IngestionStatus.Unchanged, deleted.Status);
        Assert.Null(deleted.Version);
        Assert.Equal(0, await CountBlobsAsync(fixture, StorageNames.DatasetsContainer));
        Assert.Equal(0, await CountBlobsAsync(fixture, StorageNames.QuarantineContainer));

        var current = await fixture.Ingestor.IngestAsync(fixture.Source, fixture.DropContainer, name, second, CancellationToken.None);
        Assert.Equal(IngestionStatus.Published, current.Status);
        Assert.Equal("Second version of the drop", Assert.Single(await new DatasetStore(fixture.Storage).ReadRecordsAsync(current.Version!).ToListAsync()).Text);
        Assert.Empty(await StagedAsync(fixture, stale));
    }

    [Fact]
    public async Task Verify_CatchesATamperedPart()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var result = await fixture.DropAndIngestAsync("t.jsonl", Jsonl(Ticket(1, "Body one"), Ticket(2, "Body two")));
        var store = new DatasetStore(fixture.Storage);
        Assert.Empty(await store.VerifyAsync(result.Version!));

        var part = fixture.Storage.Container(StorageNames.DatasetsContainer).GetBlobClient(DatasetManifest.FolderOf(result.Version!.Id) + result.Version.Parts[0].Name);
        await part.UploadAsync(BinaryData.FromString("tampered"), overwrite: true);

        var problem = Assert.Single(await store.VerifyAsync(result.Version));
        Assert.Contains("SHA-256", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_CatchesAMissingPart()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var result = await fixture.DropAndIngestAsync("m.jsonl", Jsonl(Ticket(1, "Body one"), Ticket(2, "Body two")));
        var part = result.Version!.Parts[0].Name;
        await fixture.Storage.Container(StorageNames.DatasetsContainer).GetBlobClient(DatasetManifest.FolderOf(result.Version.Id) + part)
            .DeleteAsync(Azure.Storage.Blobs.Models.DeleteSnapshotsOption.IncludeSnapshots);

        Assert.Equal($"{part}: missing", Assert.Single(await new DatasetStore(fixture.Storage).VerifyAsync(result.Version)));
    }

    [Fact]
    public async Task BadRecords_QuarantinedWithRuleLineField_CountsReconcile()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var result = await fixture.DropAndIngestAsync("mixed.jsonl", Jsonl(
            Ticket(1, "A fine ticket body"),
            "{\"id\": broken json",
            Ticket(2, "Another fine ticket", channel: "fax"),
            Ticket(1, "Same id as line one"),
            "{\"id\":\"X-9\",\"body\":\"bad id format\"}",
            "{\"id\":\"T-7\",\"priority\":\"high\",\"body\":\"priority is not an integer\"}",
            "{\"id\":\"T-8\"}",
            Ticket(9, "A FINE   ticket body"),
            Ticket(10, "ok")));

        var counts = result.Counts;
        Assert.Equal(9, counts.Read);
        Assert.Equal(counts.Read, counts.Accepted + counts.Quarantined);
        Assert.Equal(1, counts.Accepted);
        Assert.Equal(
            new Dictionary<string, long> { ["allowed_values"] = 1, ["dedup"] = 1, ["length"] = 1, ["readable"] = 1, ["regex"] = 1, ["required"] = 1, ["type"] = 1, ["unique"] = 1 },
            counts.QuarantinedByRule);
        Assert.Equal(IngestionStatus.Rejected, result.Status);
        Assert.Contains("quarantine rate", result.Reason, StringComparison.Ordinal);

        var rejected = await ReadQuarantineAsync(fixture, result.QuarantineFolder!);
        Assert.Contains(rejected, r => r.Contains("\"line\":4", StringComparison.Ordinal) && r.Contains("\"rule\":\"unique\"", StringComparison.Ordinal) && r.Contains("\"field\":\"id\"", StringComparison.Ordinal));
        Assert.Contains(rejected, r => r.Contains("\"line\":2", StringComparison.Ordinal) && r.Contains("malformed JSON", StringComparison.Ordinal));
        Assert.Empty(await new DatasetStore(fixture.Storage).ListAsync(fixture.Source).ToListAsync());
        Assert.Empty(await StagedAsync(fixture, result)); // its parts were staged while it streamed, and are gone
    }

    [Fact]
    public async Task UnreadableFile_QuarantinedWholeWithReport_PointingAtTheRawBlob_NoCopy()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var result = await fixture.DropAndIngestAsync("broken.parquet", Encoding.UTF8.GetBytes("PAR1 but not really parquet"));

        Assert.Equal(IngestionStatus.Unreadable, result.Status);
        var quarantine = fixture.Storage.Container(StorageNames.QuarantineContainer);
        var report = (await quarantine.GetBlobClient(result.QuarantineFolder + "report.json").DownloadContentAsync()).Value.Content.ToString();
        Assert.Contains("Parquet", report, StringComparison.Ordinal);
        Assert.Contains($"{fixture.DropContainer}/{fixture.Source}/broken.parquet", report, StringComparison.Ordinal);
        Assert.Contains(result.BlobETag.Trim('"'), report, StringComparison.Ordinal);
        Assert.False((await quarantine.GetBlobClient(result.QuarantineFolder + "original").ExistsAsync()).Value);
        Assert.True(await fixture.Storage.Container(fixture.DropContainer).GetBlobClient($"{fixture.Source}/broken.parquet").ExistsAsync());
    }

    [Fact]
    public async Task BlobNameOfAThousandCharacters_PublishedAnnouncedRecordedAndInLineage()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var name = string.Concat(Enumerable.Repeat("very-long-folder/", 57)) + "drop.jsonl"; // 979 + source prefix
        var result = await fixture.DropAndIngestAsync(name, Jsonl(Ticket(1, "First body"), Ticket(2, "Second body")));

        Assert.Equal(IngestionStatus.Published, result.Status);
        Assert.True(Assert.Single(await new DatasetStore(fixture.Storage).EntriesAsync(fixture.Source).ToListAsync()).Announced);
        var row = (await fixture.Storage.Table(StorageNames.IngestionsTable).GetEntityAsync<IngestionRecord>(TableKey.Encode(fixture.Source), TableKey.Encode($"{fixture.Source}/{name}|{result.BlobETag}"))).Value;
        Assert.Equal($"{fixture.Source}/{name}", row.BlobName);
        var graph = await new LlmOps.Lineage.LineageStore(fixture.Storage, TimeProvider.System).QueryAsync(result.Version!.Id, LlmOps.Lineage.LineageDirection.Upstream, 6, CancellationToken.None);
        Assert.Contains(graph.Nodes, n => n.Id.Contains("drop.jsonl", StringComparison.Ordinal) && n.Id.Length > 1000);
    }

    [Theory]
    [InlineData("with space.jsonl")]
    [InlineData("ünïcødé-日本.jsonl")]
    [InlineData("a..b.jsonl")]
    [InlineData("nested/../dots.csv")]
    public async Task OddBlobNames_IngestedAndQuarantinedUnderTheirNames(string name)
    {
        var fixture = await IngestionFixture.CreateAsync(maxQuarantineRate: 1);
        var content = name.EndsWith(".csv", StringComparison.Ordinal)
            ? Encoding.UTF8.GetBytes("id,body\nT-1,a fine body\nX-2,bad id\n")
            : Jsonl(Ticket(1, "a fine body"), "{\"id\":\"X-2\",\"body\":\"bad id\"}");

        var result = await fixture.DropAndIngestAsync(name, content);

        Assert.Equal(IngestionStatus.Published, result.Status);
        Assert.Equal((2L, 1L, 1L), (result.Counts.Read, result.Counts.Accepted, result.Counts.Quarantined));
        Assert.Equal($"{fixture.DropContainer}/{fixture.Source}/{name}", result.Version!.SourceBlob);
        var report = (await fixture.Storage.Container(StorageNames.QuarantineContainer).GetBlobClient(result.QuarantineFolder + "report.json").DownloadContentAsync()).Value.Content.ToString();
        Assert.Contains("regex", report, StringComparison.Ordinal);
        Assert.Equal("a fine body", (await new DatasetStore(fixture.Storage).ReadRecordsAsync(result.Version).SingleAsync()).Text);
    }

    [Fact]
    public async Task UnknownSource_QuarantinedWhole()
    {
        var fixture = await IngestionFixture.CreateAsync();
        var (name, etag) = await fixture.DropAsync("x.jsonl", Jsonl(Ticket(1, "body")));
        var result = await fixture.Ingestor.IngestAsync("nosuchsource", fixture.DropContainer, name, etag, CancellationToken.None);
        Assert.Equal(IngestionStatus.UnknownSource, result.Status);
        Assert.Contains("nosuchsource", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("empty.jsonl")]
    [InlineData("header-only.csv")]
    [InlineData("ragged.csv")]
    [InlineData("utf16.jsonl")]
    [InlineData("invalid-utf8.jsonl")]
    [InlineData("truncated.parquet")]
    [InlineData("truncated.jsonl.gz")]
    [InlineData("good.parquet")]
    [InlineData("big-line.jsonl")]
    public async Task BadInputCorpus_EveryRecordAccountedFor(string name)
    {
        var fixture = await IngestionFixture.CreateAsync(maxQuarantineRate: 1);
        var content = await CorpusAsync(name);
        var result = await fixture.DropAndIngestAsync(name, content);

        Assert.Equal(result.Counts.Read, result.Counts.Accepted + result.Counts.Quarantined);
        var expected = name switch
        {
            "empty.jsonl" or "header-only.csv" => (IngestionStatus.Rejected, 0L, 0L),
            "ragged.csv" => (IngestionStatus.Published, 1L, 2L),
            "utf16.jsonl" => (IngestionStatus.Published, 2L, 0L),
            "invalid-utf8.jsonl" => (IngestionStatus.Published, 1L, 1L),
            "truncated.parquet" or "truncated.jsonl.gz" => (IngestionStatus.Unreadable, 0L, 0L),
            "good.parquet" => (IngestionStatus.Published, 3L, 0L),
            "big-line.jsonl" => (IngestionStatus.Published, 2L, 0L),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        Assert.Equal(expected, (result.Status, result.Counts.Accepted, result.Counts.Quarantined));
    }

    private static async Task<byte[]> CorpusAsync(string name)
    {
        switch (name)
        {
            case "empty.jsonl":
                return [];
            case "header-only.csv":
                return Encoding.UTF8.GetBytes("id,body\r\n");
            case "ragged.csv":
                return Encoding.UTF8.GetBytes("id,channel,body\nT-1,email,\"fine, with comma\"\nT-2,chat\nT-3,chat,body,extra\n");
            case "utf16.jsonl":
                return [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Ticket(1, "naïve café") + "\n" + Ticket(2, "second one") + "\n")];
            case "invalid-utf8.jsonl":
                return [.. Encoding.UTF8.GetBytes(Ticket(1, "good line") + "\n{\"id\":\"T-2\",\"body\":\"bad "), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes("\"}\n")];
            case "truncated.parquet":
                var parquet = await ParquetAsync();
                return parquet[..(parquet.Length / 2)];
            case "good.parquet":
                return await ParquetAsync();
            case "truncated.jsonl.gz":
                using (var output = new MemoryStream())
                {
                    await using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
                    {
                        for (var i = 1; i < 2000; i++)
                        {
                            await gzip.WriteAsync(Encoding.UTF8.GetBytes(Ticket(i, $"body number {i}") + "\n"));
                        }
                    }

                    var bytes = output.ToArray();
                    return bytes[..(bytes.Length * 2 / 3)];
                }

            case "big-line.jsonl":
                return Jsonl(Ticket(1, new string('x', 50 * 1024 * 1024)), Ticket(2, "small one"));
            default:
                throw new ArgumentOutOfRangeException(nameof(name));
        }
    }

    public sealed class ParquetTicket
    {
        public string? Id { get; set; }

        public string? Channel { get; set; }

        public string? Body { get; set; }
    }

    private static async Task<byte[]> ParquetAsync()
    {
        using var stream = new MemoryStream();
        await ParquetSerializer.SerializeAsync(
            Enumerable.Range(1, 3).Select(i => new ParquetTicket { Id = $"T-{i}", Channel = "chat", Body = $"parquet body {i}" }), stream);
        return stream.ToArray();
    }

    /// <summary>What is left in the staging folder of the result's drop version (its parts are staged while it streams).</summary>
    private static Task<List<string>> StagedAsync(IngestionFixture fixture, IngestionResult result) =>
        LlmOps.Tests.Datasets.StagedPartsTests.StagedBlobsAsync(fixture.Storage, PartStaging.ForDrop(fixture.Storage, fixture.DropContainer, result.BlobName, result.BlobETag));

    private static async Task<int> CountBlobsAsync(IngestionFixture fixture, string container)
    {
        var count = 0;
        await foreach (var _ in fixture.Storage.Container(container).GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = fixture.Source + "/" }))
        {
            count++;
        }

        return count;
    }

    private static async Task<List<string>> ReadQuarantineAsync(IngestionFixture fixture, string folder)
    {
        var blob = fixture.Storage.Container(StorageNames.QuarantineContainer).GetBlobClient(folder + "rejected.jsonl.gz");
        await using var stream = await blob.OpenReadAsync();
        await using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var lines = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }
}
