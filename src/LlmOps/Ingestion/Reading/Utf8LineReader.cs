using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace LlmOps.Ingestion.Reading;

/// <summary>
/// Splits a UTF-8 byte stream into lines (LF or CRLF) without decoding it, streaming: memory is bounded by the
/// longest line kept, and a line over <see cref="MaxLineBytes"/> is skipped (reported as too long) without buffering it.
/// </summary>
internal static class Utf8LineReader
{
    public const int MaxLineBytes = 64 * 1024 * 1024;

    public static async IAsyncEnumerable<Utf8Line> ReadAsync(Stream stream, int maxLineBytes = MaxLineBytes, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        long number = 0;
        var skipping = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                var lines = new List<Utf8Line>();
                while (true)
                {
                    var newline = buffer.PositionOf((byte)'\n');
                    if (newline is null)
                    {
                        break;
                    }

                    var line = buffer.Slice(0, newline.Value);
                    number++;
                    if (skipping)
                    {
                        skipping = false;
                        lines.Add(new Utf8Line(number, ReadOnlyMemory<byte>.Empty, TooLong: true));
                    }
                    else if (line.Length > maxLineBytes)
                    {
                        lines.Add(new Utf8Line(number, ReadOnlyMemory<byte>.Empty, TooLong: true));
                    }
                    else
                    {
                        lines.Add(new Utf8Line(number, TrimCarriageReturn(line.ToArray()), false));
                    }

                    buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
                }

                if (!result.IsCompleted && buffer.Length > maxLineBytes)
                {
                    // No line break within the limit: drop what is buffered and skip to the next break.
                    skipping = true;
                    buffer = buffer.Slice(buffer.End);
                }

                if (result.IsCompleted && buffer.Length > 0)
                {
                    number++;
                    lines.Add(skipping || buffer.Length > maxLineBytes
                        ? new Utf8Line(number, ReadOnlyMemory<byte>.Empty, TooLong: true)
                        : new Utf8Line(number, TrimCarriageReturn(buffer.ToArray()), false));
                    buffer = buffer.Slice(buffer.End);
                }
                else if (result.IsCompleted && skipping)
                {
                    number++;
                    lines.Add(new Utf8Line(number, ReadOnlyMemory<byte>.Empty, TooLong: true));
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                foreach (var line in lines)
                {
                    yield return line;
                }

                if (result.IsCompleted)
                {
                    yield break;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private static ReadOnlyMemory<byte> TrimCarriageReturn(byte[] line) =>
        line.Length > 0 && line[^1] == (byte)'\r' ? line.AsMemory(0, line.Length - 1) : line;
}
