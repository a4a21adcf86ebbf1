using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Serialization;

namespace LlmOps.Ingestion.Reading;

/// <summary>Parquet (Parquet.Net): row group by row group, so memory is bounded by one row group.</summary>
public static class ParquetRecordReader
{
    public static IAsyncEnumerable<ReadOutcome> ReadAsync(Stream seekable, CancellationToken cancellationToken = default) =>
        ReadAsync(seekable, 0, null, 0, cancellationToken);

    /// <summary>Row groups <paramref name="firstGroup"/> to <paramref name="endGroup"/> (exclusive; null: the last), numbering rows from <paramref name="firstRow"/> + 1 (a shard's rows keep their numbers in the file).</summary>
    public static async IAsyncEnumerable<ReadOutcome> ReadAsync(Stream seekable, int firstGroup, int? endGroup, long firstRow, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(seekable, leaveStreamOpen: true, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new UnreadableDropException($"not a readable Parquet file: {ex.Message}", ex);
        }

        int groups;
        await using (reader)
        {
            groups = reader.RowGroupCount;
        }

        long row = firstRow;
        for (var group = firstGroup; group < Math.Min(groups, endGroup ?? groups); group++)
        {
            IReadOnlyList<IDictionary<string, object?>> rows;
            try
            {
                seekable.Position = 0;
                var result = await ParquetSerializer.DeserializeUntypedAsync(seekable, null, group, cancellationToken);
                rows = [.. result.Data.Select(d => (IDictionary<string, object?>)d!)];
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new UnreadableDropException($"Parquet row group {group} is unreadable: {ex.Message}", ex);
            }

            foreach (var values in rows)
            {
                row++;
                var record = new Dictionary<string, object?>(values.Count, StringComparer.Ordinal);
                foreach (var (key, value) in values)
                {
                    record[key] = ToValue(value);
                }

                yield return ReadOutcome.Record(row, record);
            }
        }
    }

    private static object? ToValue(object? value) => value switch
    {
        null => null,
        string or long or double or bool => value,
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        float f => (double)f,
        decimal d => (double)d,
        DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}
