namespace LlmOps.Governance;

/// <summary>Splits a stream of the audit log into lines without copying each into a string.</summary>
public static class AuditLineReader
{
    /// <summary>
    /// Calls <paramref name="line"/> with each complete line (without its newline) and its offset in the stream, until
    /// it returns false. Returns the offset after the last complete line (a partial last line is not passed).
    /// </summary>
    public static async Task<long> ReadAsync(Stream stream, LineCallback line, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(line);
        var buffer = new byte[1 << 16];
        var filled = 0;
        long consumedBefore = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                return consumedBefore;
            }

            filled += read;
            if (!Consume(buffer, ref filled, ref consumedBefore, line))
            {
                return consumedBefore;
            }
        }
    }

    public delegate bool LineCallback(ReadOnlySpan<byte> line, long offset);

    private static bool Consume(byte[] buffer, ref int filled, ref long consumedBefore, LineCallback line)
    {
        var start = 0;
        var span = buffer.AsSpan(0, filled);
        int newline;
        var go = true;
        while (go && (newline = span[start..].IndexOf((byte)'\n')) >= 0)
        {
            go = line(span.Slice(start, newline), consumedBefore + start);
            start += newline + 1;
        }

        buffer.AsSpan(start, filled - start).CopyTo(buffer);
        filled -= start;
        consumedBefore += start;
        return go;
    }
}
