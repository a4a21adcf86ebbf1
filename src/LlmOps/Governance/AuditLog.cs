using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using LlmOps.Storage;

namespace LlmOps.Governance;

/// <summary>
/// The append-only, hash-chained audit log: JSON lines in append blobs <c>audit/log/NNNNNN.jsonl</c> (a new segment
/// every <see cref="EntriesPerSegment"/> entries, under the 50,000 appends an append blob takes), indexed in table
/// <c>audit</c>. An append is conditioned on the blob's length, so of two writers one wins and the other re-reads and
/// chains after it; the blob is the truth, and a head that lags it (a writer stopped between the two writes) is
/// repaired by the next append.
/// </summary>
public sealed class AuditLog(StorageAccount storage, TimeProvider clock)
{
    public const int EntriesPerSegment = 40_000;
    private const string Partition = "log";
    private const string HeadRow = "head";
    private const int AppendAttempts = 64;
    private readonly TableClient _table = storage.Table(StorageNames.AuditTable);
    private readonly BlobContainerClient _container = storage.Container(StorageNames.AuditContainer);

    public static string SegmentName(int segment) => $"log/{segment.ToString("D6", CultureInfo.InvariantCulture)}.jsonl";

    /// <summary>Appends one entry for <paramref name="record"/> by <paramref name="caller"/>; returns it with its number and hash.</summary>
    public async Task<AuditEntry> AppendAsync(AuditRecord record, Caller caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(caller);
        for (var attempt = 1; ; attempt++)
        {
            var head = await ReadHeadAsync(cancellationToken);
            var (segment, offset, entries) = head.SegmentEntries >= EntriesPerSegment ? (head.Segment + 1, 0L, 0) : (head.Segment, head.SegmentLength, head.SegmentEntries);
            var draft = new AuditEntry(head.Seq + 1, clock.GetUtcNow(), caller.Id, caller.Name, record.Action, record.Target, record.Feature, record.Why, record.Before, record.After, head.Hash, "");
            var (line, hash) = AuditChain.Serialize(draft);
            var entry = draft with { Hash = hash };
            var blob = _container.GetAppendBlobClient(SegmentName(segment));
            try
            {
                if (offset == 0)
                {
                    await CreateSegmentAsync(blob, cancellationToken);
                }

                using var content = new MemoryStream(line, writable: false);
                await blob.AppendBlockAsync(content, new AppendBlobAppendBlockOptions { Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = offset } }, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < AppendAttempts)
            {
                // Someone appended first (or stopped before moving the head): bring the head up to the blob and chain after it.
                await RepairAsync(head, segment, offset, entries, cancellationToken);
                continue;
            }

            var advanced = new AuditHeadRow
            {
                PartitionKey = Partition,
                RowKey = HeadRow,
                Seq = entry.Seq,
                Hash = hash,
                Segment = segment,
                SegmentEntries = entries + 1,
                SegmentLength = offset + line.Length,
            };
            await CommitAsync(head, advanced, [IndexRow(entry, segment)], cancellationToken);
            return entry;
        }
    }

    /// <summary>
    /// The newest entries first, filtered by who, action, target or feature (exact), since a time, and by
    /// <paramref name="relatedTo"/>: an id that is the entry's target, or what it was before or after.
    /// </summary>
    public async IAsyncEnumerable<AuditEntry> ListAsync(
        string? who = null, string? action = null, string? target = null, string? feature = null, DateTimeOffset? since = null, string? relatedTo = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {"e|"} and RowKey lt {"e}"}");
        if (who is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Who eq {who}");
        }

        if (action is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Action eq {action}");
        }

        if (target is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Target eq {target}");
        }

        if (feature is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Feature eq {feature}");
        }

        if (relatedTo is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"(Target eq {relatedTo} or Before eq {relatedTo} or After eq {relatedTo})");
        }

        if (since is { } from)
        {
            filter += " and " + TableClient.CreateQueryFilter($"At ge {from}");
        }

        await foreach (var row in _table.QueryAsync<AuditIndexRow>(filter, cancellationToken: cancellationToken))
        {
            yield return row.ToEntry();
        }
    }

    /// <summary>
    /// Recomputes the chain over every segment in order and checks its end against the head; with
    /// <paramref name="checkIndex"/>, also that each indexed entry carries the hash the log has. Names the first entry
    /// that was altered, removed or reordered.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(bool checkIndex = false, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var head = await ReadHeadAsync(cancellationToken);
        using var verifier = new AuditChain.Verifier();
        long bytes = 0;
        var segments = 0;
        string? problem = null;
        long? firstBad = null;
        Dictionary<long, string>? indexed = checkIndex ? await ReadIndexHashesAsync(cancellationToken) : null;
        for (var segment = 0; problem is null; segment++)
        {
            var blob = _container.GetAppendBlobClient(SegmentName(segment));
            Stream stream;
            try
            {
                stream = (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken)).Value.Content;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                break;
            }

            segments++;
            await using (stream)
            {
                var end = await AuditLineReader.ReadAsync(
                    stream,
                    (line, _) =>
                    {
                        problem = verifier.Accept(line);
                        if (problem is not null)
                        {
                            // Accept names the entry it expected next.
                            firstBad = verifier.NextSeq;
                        }
                        else if (indexed is not null && indexed.Remove(verifier.NextSeq - 1, out var hash) && hash != verifier.PreviousHash)
                        {
                            firstBad = verifier.NextSeq - 1;
                            problem = $"entry {firstBad}: the index holds another hash than the log (the log's entry was replaced)";
                        }

                        if (problem is null && (verifier.NextSeq - 1) % 100_000 == 0)
                        {
                            progress?.Report(verifier.NextSeq - 1);
                        }

                        return problem is null;
                    },
                    cancellationToken);
                bytes += end;
            }
        }

        var entries = verifier.NextSeq - 1;
        if (problem is null && entries < head.Seq)
        {
            firstBad = entries + 1;
            problem = $"entry {entries + 1}: missing (the log ends at entry {entries}, its head says {head.Seq}: entries were removed from the end)";
        }
        else if (problem is null && entries == head.Seq && verifier.PreviousHash != head.Hash)
        {
            firstBad = entries;
            problem = $"entry {entries}: its hash differs from the head's (the last entry was replaced)";
        }
        else if (problem is null && indexed is { Count: > 0 })
        {
            firstBad = indexed.Keys.Min();
            problem = $"entry {firstBad}: indexed but not in the log (removed from its end)";
        }

        return new AuditVerification(entries, segments, bytes, problem, firstBad);
    }

    private async Task<Dictionary<long, string>> ReadIndexHashesAsync(CancellationToken cancellationToken)
    {
        var hashes = new Dictionary<long, string>();
        await foreach (var row in _table.QueryAsync<AuditIndexRow>($"PartitionKey eq '{Partition}' and RowKey ge 'e|'", select: ["Seq", "Hash"], cancellationToken: cancellationToken))
        {
            hashes[row.Seq] = row.Hash;
        }

        return hashes;
    }

    private async Task<AuditHeadRow> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var head = await _table.GetEntityIfExistsAsync<AuditHeadRow>(Partition, HeadRow, cancellationToken: cancellationToken);
        return head.HasValue ? head.Value! : new AuditHeadRow { PartitionKey = Partition, RowKey = HeadRow };
    }

    private static async Task CreateSegmentAsync(AppendBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            await blob.CreateAsync(new AppendBlobCreateOptions { Conditions = new AppendBlobRequestConditions { IfNoneMatch = ETag.All }, HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" } }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Created by another writer: the append's position condition decides who goes first.
        }
    }

    /// <summary>Reads what the blob holds past the head's position and moves the head (and the index) to its end.</summary>
    private async Task RepairAsync(AuditHeadRow head, int segment, long offset, int entries, CancellationToken cancellationToken)
    {
        var blob = _container.GetAppendBlobClient(SegmentName(segment));
        var found = new List<(AuditEntry Entry, long End)>();
        var download = await blob.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(offset) }, cancellationToken);
        await using (var stream = download.Value.Content)
        {
            await AuditLineReader.ReadAsync(stream, (line, at) =>
            {
                found.Add((AuditChain.Parse(line), offset + at + line.Length + 1));
                return true;
            }, cancellationToken);
        }

        if (found.Count == 0)
        {
            return;
        }

        var last = found[^1];
        var repaired = new AuditHeadRow
        {
            PartitionKey = Partition,
            RowKey = HeadRow,
            Seq = last.Entry.Seq,
            Hash = last.Entry.Hash,
            Segment = segment,
            SegmentEntries = entries + found.Count,
            SegmentLength = last.End,
        };
        await CommitAsync(head, repaired, found.Select(f => IndexRow(f.Entry, segment)).ToList(), cancellationToken);
    }

    /// <summary>Moves the head from <paramref name="from"/> and indexes <paramref name="rows"/>; a head moved by someone else meanwhile is theirs to keep.</summary>
    private async Task CommitAsync(AuditHeadRow from, AuditHeadRow to, IReadOnlyList<AuditIndexRow> rows, CancellationToken cancellationToken)
    {
        foreach (var batch in rows.Chunk(99))
        {
            await _table.SubmitTransactionAsync(batch.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), cancellationToken);
        }

        try
        {
            if (from.ETag == default)
            {
                await _table.AddEntityAsync(to, cancellationToken);
            }
            else
            {
                await _table.UpdateEntityAsync(to, from.ETag, TableUpdateMode.Replace, cancellationToken);
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Another writer moved the head past this point; the blob holds this entry either way.
        }
    }

    private static AuditIndexRow IndexRow(AuditEntry entry, int segment) => new()
    {
        PartitionKey = Partition,
        RowKey = "e|" + (long.MaxValue - entry.Seq).ToString("D19", CultureInfo.InvariantCulture),
        Seq = entry.Seq,
        At = entry.At,
        Who = entry.Who,
        WhoName = entry.WhoName,
        Action = entry.Action,
        Target = entry.Target,
        Feature = entry.Feature,
        Why = entry.Why,
        Before = entry.Before,
        After = entry.After,
        Prev = entry.Prev,
        Hash = entry.Hash,
        Segment = segment,
    };
}
