using System.Text;
using Azure.Storage.Blobs.Specialized;
using LlmOps.Governance;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Governance;

/// <summary>The hash-chained audit log on Azurite: concurrent appends chain in one order, and verify names the first entry altered, removed or reordered.</summary>
public sealed class AuditLogTests
{
    private static readonly Caller Alice = Caller.Local("alice");

    private static async Task<(StorageAccount Storage, AuditLog Log)> LogAsync()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        return (storage, new AuditLog(storage, TimeProvider.System));
    }

    private static async Task AppendAsync(AuditLog log, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            await log.AppendAsync(new AuditRecord("registry.alias", "prompt:x@champion", "support", $"move {i}", $"prompt:x/{i}", $"prompt:x/{i + 1}"), Alice);
        }
    }

    [Fact]
    public async Task Append_ConcurrentWriters_EveryEntryOnceInOneChain()
    {
        var (_, log) = await LogAsync();

        var entries = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => log.AppendAsync(new AuditRecord("dataset.ingest", $"raw/t/{i}.jsonl"), Alice)));

        Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i), entries.Select(e => e.Seq).Order());
        var verification = await log.VerifyAsync(checkIndex: true);
        Assert.True(verification.Valid, verification.Problem);
        Assert.Equal(24, verification.Entries);
        var listed = await log.ListAsync().ToListAsync();
        Assert.Equal(24, listed.Count);
        Assert.Equal(24, listed[0].Seq);
        Assert.All(listed, e => Assert.Equal(Alice.Id, e.Who));
    }

    [Fact]
    public async Task Verify_OneEntryEdited_NamesThatEntry()
    {
        var (storage, log) = await LogAsync();
        await AppendAsync(log, 6);

        await RewriteAsync(storage, lines => lines[3] = lines[3].Replace("move 4", "move 9", StringComparison.Ordinal));

        var verification = await log.VerifyAsync();
        Assert.False(verification.Valid);
        Assert.Equal(4, verification.FirstBadSeq);
        Assert.Contains("altered", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_OneEntryRemoved_NamesThatEntry()
    {
        var (storage, log) = await LogAsync();
        await AppendAsync(log, 6);

        await RewriteAsync(storage, lines => lines.RemoveAt(2));

        var verification = await log.VerifyAsync();
        Assert.Equal(3, verification.FirstBadSeq);
        Assert.Contains("missing", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TwoEntriesSwapped_NamesTheFirstOutOfPlace()
    {
        var (storage, log) = await LogAsync();
        await AppendAsync(log, 6);

        await RewriteAsync(storage, lines => (lines[4], lines[5]) = (lines[5], lines[4]));

        var verification = await log.VerifyAsync();
        Assert.Equal(5, verification.FirstBadSeq);
    }

    [Fact]
    public async Task Verify_LastEntryRemoved_NamesItAgainstTheHead()
    {
        var (storage, log) = await LogAsync();
        await AppendAsync(log, 5);

        await RewriteAsync(storage, lines => lines.RemoveAt(4));

        var verification = await log.VerifyAsync();
        Assert.Equal(5, verification.FirstBadSeq);
    }

    [Fact]
    public async Task Verify_EditedEntryWithItsHashRecomputed_CaughtByTheIndex()
    {
        var (storage, log) = await LogAsync();
        await AppendAsync(log, 4);

        // A forger who knows the format re-hashes the edited entry; the next entry's prev (and the index) still hold the old hash.
        await RewriteAsync(storage, lines =>
        {
            var entry = AuditChain.Parse(Encoding.UTF8.GetBytes(lines[1]));
            lines[1] = Encoding.UTF8.GetString(AuditChain.Serialize(entry with { Why = "forged" }).Line).TrimEnd('\n');
        });

        var verification = await log.VerifyAsync(checkIndex: true);
        Assert.Equal(2, verification.FirstBadSeq);
    }

    [Fact]
    public async Task Append_AfterAWriterStoppedBeforeMovingTheHead_ChainsAfterItsEntry()
    {
        var (storage, log) = await LogAsync();
        await AppendAsync(log, 2);
        // A writer that appended entry 3 and stopped before moving the head.
        var lines = await ReadLinesAsync(storage);
        var third = AuditChain.Serialize(AuditChain.Parse(Encoding.UTF8.GetBytes(lines[1])) with { Seq = 3, Prev = AuditChain.Parse(Encoding.UTF8.GetBytes(lines[1])).Hash, Why = "stopped" });
        using (var stream = new MemoryStream(third.Line))
        {
            await storage.Container(StorageNames.AuditContainer).GetAppendBlobClient(AuditLog.SegmentName(0)).AppendBlockAsync(stream);
        }

        var next = await log.AppendAsync(new AuditRecord("registry.deploy", "deploy:prod/x"), Alice);

        Assert.Equal(4, next.Seq);
        Assert.Equal(third.Hash, next.Prev);
        Assert.True((await log.VerifyAsync(checkIndex: true)).Valid);
        Assert.Contains(await log.ListAsync().ToListAsync(), e => e.Seq == 3 && e.Why == "stopped");
    }

    private static async Task<List<string>> ReadLinesAsync(StorageAccount storage)
    {
        var blob = storage.Container(StorageNames.AuditContainer).GetAppendBlobClient(AuditLog.SegmentName(0));
        return [.. (await blob.DownloadContentAsync()).Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>Rewrites the first segment with <paramref name="edit"/> applied to its lines (an append blob cannot be edited in place: a tamperer deletes and recreates it).</summary>
    private static async Task RewriteAsync(StorageAccount storage, Action<List<string>> edit)
    {
        var lines = await ReadLinesAsync(storage);
        edit(lines);
        var blob = storage.Container(StorageNames.AuditContainer).GetAppendBlobClient(AuditLog.SegmentName(0));
        await blob.DeleteAsync();
        await blob.CreateAsync(new Azure.Storage.Blobs.Models.AppendBlobCreateOptions());
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))));
        await blob.AppendBlockAsync(stream);
    }
}
