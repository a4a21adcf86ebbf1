using System.Text;

namespace LlmOps.Benchmarks;

/// <summary>
/// A deterministic synthetic support-ticket JSONL drop of a given size, written to a stream; or, with
/// <c>--drop-file</c>, a JSONL file of real text (fields id, created, channel, body; see make-text-drop.py) as it is.
/// </summary>
internal static class SyntheticDrop
{
    /// <summary>The JSONL file the ETL suites read instead of generating a drop (<c>--drop-file</c>).</summary>
    public static string? File { get; set; }

    private static readonly string[] Words =
    [
        "export", "invoice", "password", "reset", "dashboard", "timeout", "webhook", "admin", "login", "report", "refund",
        "the", "and", "is", "to", "of", "it", "after", "with", "when", "our", "we", "please", "again", "error", "page",
        "settings", "customer", "billing", "upgrade", "mobile", "crash", "attachment", "sync", "calendar", "limit",
    ];

    public static async Task<long> WriteAsync(Stream output, long bytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (File is not null)
        {
            await using var input = System.IO.File.OpenRead(File);
            await input.CopyToAsync(output, cancellationToken);
            return input.Length;
        }

        var random = new Random(1234);
        var line = new StringBuilder(2048);
        long written = 0;
        var id = 0;
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        while (written < bytes)
        {
            id++;
            line.Clear();
            line.Append("{\"id\":\"T-").Append(id).Append("\",\"created\":\"2026-11-").Append(1 + (id % 28)).Append("T10:00:00Z\",\"channel\":\"")
                .Append((id % 3) switch { 0 => "email", 1 => "chat", _ => "phone" }).Append("\",\"body\":\"");
            var words = 40 + random.Next(200);
            for (var w = 0; w < words; w++)
            {
                line.Append(Words[random.Next(Words.Length)]).Append(' ');
                if (random.Next(400) == 0)
                {
                    line.Append("contact ").Append("user").Append(random.Next(10000)).Append("@example.com ");
                }
            }

            line.Append("ticket ").Append(id).Append(".\"}\n");
            await writer.WriteAsync(line, cancellationToken);
            written += Encoding.UTF8.GetByteCount(line.ToString());
        }

        await writer.FlushAsync(cancellationToken);
        return written;
    }
}
