using System.Globalization;
using System.Text.Json;
using Azure;
using LlmOps.Errors;
using LlmOps.Ingestion;
using LlmOps.Ingestion.Reading;
using LlmOps.Ingestion.Validation;
using LlmOps.Lifecycle;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;

namespace LlmOps.Feedback;

/// <summary>
/// The bulk path, the blob trigger on <c>feedback/{feature}/{name}</c>: a JSONL, CSV or Parquet file (optionally .gz)
/// of traces, or of scores when its name starts with <c>scores</c>, read by the ETL's readers (with the lifecycle's
/// decompression limits), validated and stored as the HTTP path does, in batches of 1,000. A trace takes the folder's
/// feature unless it names another, which rejects it. Every record ends accepted, duplicate or quarantined with its
/// line and reason (<c>quarantine/feedback/{feature}/...</c>, with a report); an unreadable file is quarantined whole
/// and dead-lettered at once.
/// </summary>
public sealed class FeedbackDropHandler(StorageAccount storage, LifecycleCatalog lifecycles, FeedbackIngestor ingestor, ILogger<FeedbackDropHandler> logger) : IBlobTriggerHandler
{
    public async Task<HandlerOutcome> HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var feature = blob.Name.Split('/')[0];
        var file = blob.Name[(feature.Length + 1)..];
        var scores = Path.GetFileName(file).StartsWith("scores", StringComparison.OrdinalIgnoreCase) || file.StartsWith("scores/", StringComparison.OrdinalIgnoreCase);
        await using var quarantine = new QuarantineWriter(storage, $"feedback/{feature}", blob.Name, blob.ETag.ToString());
        var lifecycle = await lifecycles.GetAsync(feature, cancellationToken);
        if (lifecycle is null)
        {
            var reason = $"feature '{feature}' has no published lifecycle";
            await quarantine.WriteAsync(new { blob = blob.Path, etag = blob.ETag.ToString(), status = "unknown_feature", reason }, cancellationToken);
            return HandlerOutcome.DeadLetter($"{blob.Path}: {reason}.");
        }

        var (accepted, duplicates) = (0L, 0L);
        try
        {
            await using var content = await storage.Container(blob.Container).GetBlobClient(blob.Name).OpenStreamAsync(blob.ETag, cancellationToken);
            var batch = new List<(long Line, JsonElement Item)>();
            var limits = lifecycle.Sources.Count > 0 ? lifecycle.Sources[0].Limits : DecompressionLimits.Default;
            var csv = DropReader.DetectFormat(file, SourceFormat.Auto) == SourceFormat.Csv;
            await foreach (var outcome in DropReader.ReadAsync(content, file, SourceFormat.Auto, limits, cancellationToken))
            {
                if (!outcome.IsRecord)
                {
                    await quarantine.AddAsync(new QuarantinedRecord(outcome.Line, "readable", null, outcome.Error ?? "unreadable record", null), cancellationToken);
                    continue;
                }

                var fields = outcome.Fields!.Where(f => !(csv && f.Value is "")).ToDictionary(f => f.Key, f => Value(f.Value, csv), StringComparer.Ordinal);
                if (!scores && fields.TryGetValue("feature", out var named) && named is string other && other != feature)
                {
                    await quarantine.AddAsync(new QuarantinedRecord(outcome.Line, "feature", "feature", $"names feature '{other}' in the folder of '{feature}'", null), cancellationToken);
                    continue;
                }

                if (!scores)
                {
                    fields["feature"] = feature;
                }

                batch.Add((outcome.Line, JsonSerializer.SerializeToElement(fields)));
                if (batch.Count == FeedbackIngestor.MaxItems)
                {
                    (accepted, duplicates) = Add((accepted, duplicates), await FlushAsync(batch, scores, quarantine, cancellationToken));
                }
            }

            (accepted, duplicates) = Add((accepted, duplicates), await FlushAsync(batch, scores, quarantine, cancellationToken));
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            logger.LogInformation("Skipping {Blob} ({ETag}): it changed or went away before it was read", blob.Path, blob.ETag);
            return HandlerOutcome.Done;
        }
        catch (UnreadableDropException ex)
        {
            await quarantine.WriteAsync(new { blob = blob.Path, etag = blob.ETag.ToString(), status = "unreadable", reason = ex.Message }, cancellationToken);
            return HandlerOutcome.DeadLetter($"{blob.Path} is unreadable: {ex.Message}");
        }

        await quarantine.WriteAsync(new { blob = blob.Path, etag = blob.ETag.ToString(), status = "imported", kind = scores ? "scores" : "traces", accepted, duplicates, quarantined = quarantine.Count }, cancellationToken);
        logger.LogInformation("Imported {Kind} from {Blob}: {Accepted} accepted, {Duplicates} duplicate(s), {Quarantined} quarantined", scores ? "scores" : "traces", blob.Path, accepted, duplicates, quarantine.Count);
        return HandlerOutcome.Done;
    }

    private static (long, long) Add((long A, long D) total, (long A, long D) more) => (total.A + more.A, total.D + more.D);

    private async Task<(long Accepted, long Duplicates)> FlushAsync(List<(long Line, JsonElement Item)> batch, bool scores, QuarantineWriter quarantine, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return (0, 0);
        }

        var items = batch.Select(b => b.Item).ToList();
        var results = scores ? await ingestor.IngestScoresAsync(items, cancellationToken) : await ingestor.IngestTracesAsync(items, cancellationToken);
        foreach (var result in results.Where(r => r.Status == FeedbackItemResult.Rejected))
        {
            await quarantine.AddAsync(new QuarantinedRecord(batch[result.Index].Line, "validation", null, result.Reason ?? "rejected", null), cancellationToken);
        }

        batch.Clear();
        return (results.Count(r => r.Status == FeedbackItemResult.Accepted), results.Count(r => r.Status == FeedbackItemResult.Duplicate));
    }

    /// <summary>
    /// Readers give nested JSON as its text; the validator wants objects and arrays back. CSV cells are all text: a
    /// number or true/false is read as one (as pandas does), so a score's value keeps its type (an empty cell is no value).
    /// </summary>
    private static object? Value(object? value, bool csv)
    {
        if (value is not string text)
        {
            return value;
        }

        if (text.Length > 1 && (text[0] == '{' || text[0] == '[') && IsJson(text))
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        if (!csv)
        {
            return text;
        }

        return text switch
        {
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) => number,
            _ => text,
        };
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
