using System.Diagnostics;
using System.Security.Cryptography;
using LlmOps.Governance;

namespace LlmOps.Benchmarks;

/// <summary>
/// `llmops audit verify` over a log of <c>entries</c> entries (in segments of <see cref="AuditLog.EntriesPerSegment"/>,
/// as the log stores them) against hashing the same bytes: entry by entry (the least any verification of a chain of
/// per-entry hashes must do), and as one stream. In memory, so storage does not blur the comparison; verification is
/// sequential by nature (each link needs the one before), so every figure is one thread.
/// </summary>
internal static class AuditBenchmark
{
    public static IReadOnlyList<(string Metric, string Value)> Run(int entries)
    {
        var segments = Build(entries);
        var bytes = segments.Sum(s => (long)s.Length);
        var runs = Repeated.RunAsync(_ =>
        {
            var verify = Time(() => Verify(segments, entries));
            var perEntry = Time(() => HashEntries(segments));
            var stream = Time(() => HashStream(segments));
            return Task.FromResult((verify, perEntry, stream));
        }).GetAwaiter().GetResult();
        return
        [
            ($"Audit verify of {entries:N0} entries ({bytes / 1024d / 1024d:0} MB, {segments.Count} segments; 1 thread)", Repeated.Of(runs.Select(r => entries / r.verify / 1e6)).Format("0.00", " M entries/s")),
            ("  SHA-256 of the same bytes entry by entry", Repeated.Of(runs.Select(r => entries / r.perEntry / 1e6)).Format("0.00", " M entries/s")),
            ("  SHA-256 of the same bytes as one stream", Repeated.Of(runs.Select(r => bytes / r.stream / 1024d / 1024d)).Format("0", " MB/s")),
            ("  ratio verify / per-entry hashing (target at least 0.5)", Repeated.Of(runs.Select(r => r.perEntry / r.verify)).Format("0.00")),
            ("  ratio verify / one-stream hashing", Repeated.Of(runs.Select(r => r.stream / r.verify)).Format("0.00")),
        ];
    }

    private static List<byte[]> Build(int entries)
    {
        var segments = new List<byte[]>();
        var current = new MemoryStream();
        var previous = AuditChain.Genesis;
        var at = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        for (long seq = 1; seq <= entries; seq++)
        {
            var (line, hash) = AuditChain.Serialize(new AuditEntry(
                seq, at.AddSeconds(seq), "key:support-app", "support-app", "registry.alias", $"prompt:answer@champion", "support-answers",
                "release gates met", $"prompt:answer/{seq}", $"prompt:answer/{seq + 1}", previous, ""));
            current.Write(line);
            previous = hash;
            if (seq % AuditLog.EntriesPerSegment == 0)
            {
                segments.Add(current.ToArray());
                current = new MemoryStream();
            }
        }

        if (current.Length > 0)
        {
            segments.Add(current.ToArray());
        }

        return segments;
    }

    private static void Verify(List<byte[]> segments, int entries)
    {
        using var verifier = new AuditChain.Verifier();
        foreach (var segment in segments)
        {
            using var stream = new MemoryStream(segment, writable: false);
            AuditLineReader.ReadAsync(stream, (line, _) => verifier.Accept(line) is null ? true : throw new InvalidOperationException("the benchmark's log is broken")).GetAwaiter().GetResult();
        }

        if (verifier.NextSeq != entries + 1)
        {
            throw new InvalidOperationException($"verified {verifier.NextSeq - 1} of {entries} entries");
        }
    }

    private static void HashEntries(List<byte[]> segments)
    {
        Span<byte> digest = stackalloc byte[32];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var segment in segments)
        {
            var span = segment.AsSpan();
            while (span.Length > 0)
            {
                var end = span.IndexOf((byte)'\n');
                hash.AppendData(span[..end]);
                hash.GetHashAndReset(digest);
                span = span[(end + 1)..];
            }
        }
    }

    private static void HashStream(List<byte[]> segments)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var segment in segments)
        {
            hash.AppendData(segment);
        }

        hash.GetHashAndReset();
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }
}
