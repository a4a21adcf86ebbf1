using System.Globalization;
using Azure;
using Azure.Storage.Blobs.Models;
using LlmOps.Ingestion.Reading;
using LlmOps.Ingestion.Sharding;
using LlmOps.Lifecycle;
using LlmOps.Storage;
using Microsoft.Extensions.Logging;

namespace LlmOps.Ingestion;

/// <summary>
/// Line numbers of shards whose plan did not count them (a JSONL drop cut by probing, not read): each shard publishes
/// how many line feeds its range holds when it is done (<c>shards/lines/n{shard}-{count}</c>, the count in the name, so
/// one listing reads them all), and a shard numbers its lines from the sum of the shards' before it. Shards taken in
/// order find every count they need; a shard that starts before an earlier one is done counts the missing ranges itself,
/// each claimed once (<c>shards/lines/c{shard}</c>) so instances starting together share the reading; a claim whose count
/// has not come within <see cref="CountClaimTimeout"/> (its instance gone) is counted again.
/// </summary>
public sealed partial class DropIngestor
{
    private const string LinesFolder = "lines/";

    /// <summary>How long a claimed count may take before another instance counts the range itself.</summary>
    internal TimeSpan CountClaimTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Ranges this instance counted itself, for a shard before its own (tests and logs).</summary>
    internal int RangesCounted => _rangesCounted;

    private int _rangesCounted;

    /// <summary>Listings of the published line counts this instance made (tests).</summary>
    internal int LineCountListings => _lineCountListings;

    private int _lineCountListings;

    /// <summary>
    /// The byte range of <paramref name="shard"/> with the line feeds before it: from the plan (or, for a task queued while
    /// the plan was being cut, from the task), or from the earlier shards' counts; null when the blob changed since the plan.
    /// </summary>
    private async Task<ShardRange?> RangeAsync(ShardedDrop plan, string folder, int shard, ShardRange? queued, CancellationToken cancellationToken)
    {
        if (plan.Format == SourceFormat.Parquet)
        {
            return new ShardRange(shard, 0, 0);
        }

        var range = plan.Open ? queued! : plan.Ranges[shard];
        if (range.LinesBefore != ShardPlanner.LinesFromCounts)
        {
            return range;
        }

        if (shard == 0)
        {
            return range with { LinesBefore = plan.HeaderLines };
        }

        if (_lastLines is { } last && last.Folder == folder && last.Value.Shard == shard - 1)
        {
            // The shard before ran here: this one starts where it ended.
            return range with { LinesBefore = last.Value.LinesAfter };
        }

        try
        {
            var counts = await LineFeedCountsAsync(folder, cancellationToken);
            // Listed again only after a count was missing (shards taken in order list once).
            var fresh = true;
            foreach (var earlier in Enumerable.Range(0, shard).Where(j => !counts.Counted.ContainsKey(j)))
            {
                if (await Staging.GetBlobClient($"{folder}{LinesFolder}c{earlier:00000}").TryCreateAsync(BinaryData.Empty, cancellationToken: cancellationToken))
                {
                    await CountRangeAsync(plan, folder, earlier, cancellationToken);
                }

                fresh = false;
            }

            while (true)
            {
                counts = fresh ? counts : await LineFeedCountsAsync(folder, cancellationToken);
                fresh = false;
                var missing = Enumerable.Range(0, shard).Where(j => !counts.Counted.ContainsKey(j)).ToList();
                if (missing.Count == 0)
                {
                    return range with { LinesBefore = plan.HeaderLines + Enumerable.Range(0, shard).Sum(j => counts.Counted[j]) };
                }

                // Claimed by another instance: wait for its count, or count it here when the claim has outlived its instance.
                foreach (var earlier in missing.Where(j => !counts.Claimed.TryGetValue(j, out var at) || clock.GetUtcNow() - at > CountClaimTimeout))
                {
                    logger.LogWarning("Shard {Shard} of {Blob}: counting the lines of shard {Earlier}, whose count did not come", shard, plan.Name, earlier);
                    await CountRangeAsync(plan, folder, earlier, cancellationToken);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), clock, cancellationToken);
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    /// <summary>Reads shard <paramref name="shard"/>'s bytes only to count their line feeds, and publishes the count.</summary>
    private async Task CountRangeAsync(ShardedDrop plan, string folder, int shard, CancellationToken cancellationToken)
    {
        var range = plan.Ranges[shard];
        var blob = storage.Container(plan.Container).GetBlobClient(plan.Name);
        var download = await blob.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(range.Start, range.Length), Conditions = new BlobRequestConditions { IfMatch = new ETag(plan.ETag) } }, cancellationToken);
        await using var counting = new LineFeedCountingStream(download.Value.Content);
        await counting.CopyToAsync(Stream.Null, 1 << 20, cancellationToken);
        Interlocked.Increment(ref _rangesCounted);
        await PublishLineFeedsAsync(folder, shard, counting.LineFeeds, cancellationToken);
    }

    private Task<bool> PublishLineFeedsAsync(string folder, int shard, long lineFeeds, CancellationToken cancellationToken) =>
        Staging.GetBlobClient(string.Create(CultureInfo.InvariantCulture, $"{folder}{LinesFolder}n{shard:00000}-{lineFeeds}")).TryCreateAsync(BinaryData.Empty, cancellationToken: cancellationToken);

    /// <summary>Publishes the line feeds of a shard this instance read, and keeps where it ended for the next shard of its drop here.</summary>
    private async Task PublishLineFeedsAsync(string folder, ShardRange range, long lineFeeds, CancellationToken cancellationToken)
    {
        await PublishLineFeedsAsync(folder, range.Index, lineFeeds, cancellationToken);
        _lastLines = new(folder, (range.Index, range.LinesBefore + lineFeeds));
    }

    /// <summary>Where the last JSONL shard this instance read ended, in lines.</summary>
    private ReadFor<(int Shard, long LinesAfter)>? _lastLines;

    /// <summary>The published line-feed counts by shard, and when each claimed count was claimed: one listing.</summary>
    private async Task<(Dictionary<int, long> Counted, Dictionary<int, DateTimeOffset> Claimed)> LineFeedCountsAsync(string folder, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _lineCountListings);
        var (counted, claimed) = (new Dictionary<int, long>(), new Dictionary<int, DateTimeOffset>());
        await foreach (var blob in Staging.GetBlobsAsync(new GetBlobsOptions { Prefix = folder + LinesFolder }, cancellationToken))
        {
            var name = blob.Name[(folder.Length + LinesFolder.Length)..];
            if (name.StartsWith('n') && name.IndexOf('-', StringComparison.Ordinal) is var dash and > 1)
            {
                counted[int.Parse(name[1..dash], CultureInfo.InvariantCulture)] = long.Parse(name[(dash + 1)..], CultureInfo.InvariantCulture);
            }
            else if (name.StartsWith('c'))
            {
                claimed[int.Parse(name[1..], CultureInfo.InvariantCulture)] = blob.Properties.CreatedOn ?? DateTimeOffset.MinValue;
            }
        }

        return (counted, claimed);
    }
}
