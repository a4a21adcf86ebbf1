using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace LlmOps.Ingestion.Reading;

/// <summary>
/// CSV per RFC 4180: a header row, comma separators, double-quoted fields that may hold commas, quotes ("") and
/// line breaks. A row with the wrong number of fields, a stray quote or invalid UTF-8 is reported, never fatal;
/// an empty unquoted field reads as null, a quoted one as "".
/// </summary>
public static class CsvRecordReader
{
    public static async IAsyncEnumerable<ReadOutcome> ReadAsync(Stream utf8, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string[]? header = null;
        var state = new RowState();
        await foreach (var line in Utf8LineReader.ReadAsync(utf8, cancellationToken: cancellationToken))
        {
            if (!state.InQuotes)
            {
                state.Start(line.Number);
            }

            if (line.TooLong)
            {
                state.Problem ??= $"line {line.Number} longer than {Utf8LineReader.MaxLineBytes / (1024 * 1024)} MiB";
                state.InQuotes = false;
                if (header is null)
                {
                    throw new UnreadableDropException($"the CSV header (line {line.Number}) is longer than {Utf8LineReader.MaxLineBytes / (1024 * 1024)} MiB");
                }

                yield return ReadOutcome.Malformed(state.StartLine, state.Problem);
                continue;
            }

            var bytes = line.Bytes.Span;
            if (!Utf8.IsValid(bytes))
            {
                state.Problem ??= $"invalid UTF-8 on line {line.Number} at byte {JsonlRecordReader.FirstInvalidByte(bytes)}";
            }

            var text = Encoding.UTF8.GetString(bytes);
            if (!state.InQuotes && text.Length == 0)
            {
                continue;
            }

            if (!state.Consume(text))
            {
                continue;
            }

            var fields = state.Fields;
            if (header is null)
            {
                header = ValidateHeader(fields, state);
                continue;
            }

            if (state.Problem is not null)
            {
                yield return ReadOutcome.Malformed(state.StartLine, state.Problem);
            }
            else if (fields.Count != header.Length)
            {
                yield return ReadOutcome.Malformed(state.StartLine, $"expected {header.Length} fields (as the header), found {fields.Count}");
            }
            else
            {
                var record = new Dictionary<string, object?>(header.Length, StringComparer.Ordinal);
                for (var i = 0; i < header.Length; i++)
                {
                    record[header[i]] = fields[i];
                }

                yield return ReadOutcome.Record(state.StartLine, record);
            }
        }

        if (state.InQuotes)
        {
            if (header is null)
            {
                throw new UnreadableDropException($"the CSV header starting on line {state.StartLine} has an unterminated quoted field");
            }

            yield return ReadOutcome.Malformed(state.StartLine, "unterminated quoted field at end of file");
        }
    }

    private static string[] ValidateHeader(List<string?> fields, RowState state)
    {
        if (state.Problem is not null)
        {
            throw new UnreadableDropException($"the CSV header (line {state.StartLine}) is unreadable: {state.Problem}");
        }

        var names = fields.Select(f => (f ?? "").Trim()).ToArray();
        var blank = Array.FindIndex(names, n => n.Length == 0);
        if (blank >= 0)
        {
            throw new UnreadableDropException($"the CSV header (line {state.StartLine}) has an empty column name at position {blank + 1}");
        }

        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new UnreadableDropException($"the CSV header (line {state.StartLine}) names '{duplicate.Key}' twice");
        }

        return names;
    }

    private sealed class RowState
    {
        private readonly StringBuilder _field = new();
        private bool _quoted;
        private bool _afterQuote;

        public List<string?> Fields { get; } = [];

        public long StartLine { get; private set; }

        public bool InQuotes { get; set; }

        public string? Problem { get; set; }

        public void Start(long line)
        {
            StartLine = line;
            Fields.Clear();
            _field.Clear();
            _quoted = false;
            _afterQuote = false;
            Problem = null;
        }

        /// <summary>Consumes one physical line; true when it completed the row.</summary>
        public bool Consume(string line)
        {
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (InQuotes)
                {
                    if (c != '"')
                    {
                        _field.Append(c);
                    }
                    else if (i + 1 < line.Length && line[i + 1] == '"')
                    {
                        _field.Append('"');
                        i++;
                    }
                    else
                    {
                        InQuotes = false;
                        _afterQuote = true;
                    }
                }
                else if (c == ',')
                {
                    EndField();
                }
                else if (c == '"' && _field.Length == 0 && !_quoted)
                {
                    InQuotes = true;
                    _quoted = true;
                }
                else
                {
                    if (c == '"' || _afterQuote)
                    {
                        Problem ??= $"stray quote or text after a closing quote at column {i + 1} of line {StartLine}";
                    }

                    _field.Append(c);
                }
            }

            if (InQuotes)
            {
                _field.Append('\n');
                return false;
            }

            EndField();
            return true;
        }

        private void EndField()
        {
            Fields.Add(_field.Length == 0 && !_quoted ? null : _field.ToString());
            _field.Clear();
            _quoted = false;
            _afterQuote = false;
        }
    }
}
