using System.Diagnostics;
using System.Text;
using LlmOps.Ingestion.Reading;

namespace LlmOps.Benchmarks;

/// <summary>
/// The own RFC 4180 reader (CsvRecordReader: UTF-8 validation, null vs "" fields, per-row errors) against
/// Sylvan.Data.Csv on the same synthetic drop, both producing each row's field dictionary, both on one thread.
/// </summary>
internal static class CsvBenchmark
{
    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(int megabytes)
    {
        var bytes = Build(megabytes * 1024L * 1024L, out var rows);
        var mb = bytes.Length / 1024d / 1024d;
        var runs = await Repeated.RunAsync(async _ =>
        {
            var clock = Stopwatch.StartNew();
            var own = 0;
            await foreach (var outcome in CsvRecordReader.ReadAsync(new MemoryStream(bytes)))
            {
                own += outcome.IsRecord ? 1 : 0;
            }

            var ownSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var sylvan = 0;
            using (var reader = Sylvan.Data.Csv.CsvDataReader.Create(new StreamReader(new MemoryStream(bytes), Encoding.UTF8)))
            {
                var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
                while (await reader.ReadAsync())
                {
                    var fields = new Dictionary<string, object?>(names.Length, StringComparer.Ordinal);
                    for (var i = 0; i < names.Length; i++)
                    {
                        fields[names[i]] = reader.IsDBNull(i) ? null : reader.GetString(i);
                    }

                    sylvan++;
                }
            }

            var sylvanSeconds = clock.Elapsed.TotalSeconds;
            if (own != rows || sylvan != rows)
            {
                throw new InvalidOperationException($"Readers disagree: own {own}, Sylvan {sylvan}, written {rows}.");
            }

            return (Own: mb / ownSeconds, Sylvan: mb / sylvanSeconds);
        });
        return
        [
            ($"CSV read, own reader ({mb:0} MB, {rows} rows with quoted commas, quotes and line breaks; 1 thread)", Repeated.Of(runs.Select(r => r.Own)).Format("0", " MB/s")),
            ("CSV read, Sylvan.Data.Csv 1.4.4 (same rows, field dictionaries; 1 thread)", Repeated.Of(runs.Select(r => r.Sylvan)).Format("0", " MB/s")),
            ("  ratio own / Sylvan", Repeated.Of(runs.Select(r => r.Own / r.Sylvan)).Format("0.00")),
        ];
    }

    private static byte[] Build(long size, out int rows)
    {
        var random = new Random(99);
        var text = new StringBuilder("id,created,channel,body\n");
        rows = 0;
        while (text.Length < size)
        {
            rows++;
            var body = string.Join(' ', Enumerable.Range(0, 30 + random.Next(120)).Select(_ => random.Next(20) switch
            {
                0 => "\"quoted\"",
                1 => "a, b",
                2 => "line\nbreak",
                _ => "word" + random.Next(1000),
            }));
            text.Append("T-").Append(rows).Append(",2026-11-23T10:00:00Z,").Append((rows % 3) switch { 0 => "email", 1 => "chat", _ => "" })
                .Append(",\"").Append(body.Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\"\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
