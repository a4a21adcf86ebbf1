using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LlmOps.Cli;

/// <summary>
/// `--format table|json` for every command that prints tables or lines and has no format of its own (up, demo and
/// notebook run excepted): with json, the command writes to a console that keeps its tables (title, then one object
/// per row keyed by the column headers, cells as text; a two-column table as one object of fields and values) and its
/// other lines, and prints them at the end as one JSON document: <c>{"tables": [...], "messages": [...]}</c>.
/// </summary>
internal static class JsonOutput
{
    private static readonly string[] Exempt = ["up", "demo", "run"];

    /// <summary>Adds --format to every leaf command of <paramref name="root"/> that lacks one; the commands write to <paramref name="console"/>.</summary>
    public static void AddFormatOption(Command root, SwitchableConsole console)
    {
        foreach (var command in Leaves(root))
        {
            if (command.Action is not AsynchronousCommandLineAction inner || Exempt.Contains(command.Name) || command.Options.Any(o => o.Name == "--format"))
            {
                continue;
            }

            var format = new Option<string>("--format") { Description = "table, or json (one document: the tables' rows and the other lines).", DefaultValueFactory = _ => "table" };
            format.AcceptOnlyFromAmong("table", "json");
            command.Options.Add(format);
            command.Action = new FormattedAction(inner, format, console);
        }
    }

    private static IEnumerable<Command> Leaves(Command command) =>
        command.Subcommands.Count == 0 ? [command] : command.Subcommands.SelectMany(Leaves);

    private sealed class FormattedAction(AsynchronousCommandLineAction inner, Option<string> format, SwitchableConsole console) : AsynchronousCommandLineAction
    {
        public override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
        {
            if (parseResult.GetValue(format) != "json")
            {
                return await inner.InvokeAsync(parseResult, cancellationToken);
            }

            using var collector = new Collector();
            var previous = console.Current;
            console.Current = collector.Console;
            try
            {
                return await inner.InvokeAsync(parseResult, cancellationToken);
            }
            finally
            {
                console.Current = previous;
                await previous.Profile.Out.Writer.WriteLineAsync(collector.ToJson());
            }
        }
    }

    /// <summary>A console that renders nothing: tables become rows, everything else plain lines.</summary>
    private sealed class Collector : IRenderHook, IDisposable
    {
        private readonly List<object> _tables = [];
        private readonly StringBuilder _lines = new();
        private readonly StringWriter _raw = new();

        public Collector()
        {
            Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(_raw),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
            Console.Profile.Width = CliConsole.PlainWidth;
            Console.Pipeline.Attach(this);
        }

        public IAnsiConsole Console { get; }

        public void Dispose() => _raw.Dispose();

        public IEnumerable<IRenderable> Process(RenderOptions options, IEnumerable<IRenderable> renderables)
        {
            foreach (var renderable in renderables)
            {
                if (renderable is Table table)
                {
                    _tables.Add(Rows(table, options));
                }
                else
                {
                    _lines.Append(CliConsole.RenderedText(renderable, options));
                }
            }

            return [];
        }

        public string ToJson()
        {
            var messages = (_lines + _raw.ToString()).Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
            return JsonSerializer.Serialize(new { tables = _tables, messages }, JsonSerializerOptions.Web);
        }

        private static object Rows(Table table, RenderOptions options)
        {
            string Text(IRenderable cell) => CliConsole.CellText(cell, options);
            var title = table.Title is { } t ? Markup.Remove(t.Text) : null;
            var headers = table.Columns.Select((c, i) => Text(c.Header) is { Length: > 0 } h ? h : $"column{i + 1}").ToList();
            if (headers.Count == 2)
            {
                // A two-column table is a list of fields and values (its header the first pair): one object.
                var values = new Dictionary<string, string>(StringComparer.Ordinal) { [headers[0]] = headers[1] };
                foreach (var row in table.Rows)
                {
                    values[Text(row[0])] = Text(row[1]);
                }

                return new { title, values };
            }

            var rows = table.Rows.Select(row => row.Select((cell, i) => (Key: headers[i], Value: Text(cell))).ToDictionary(p => p.Key, p => p.Value)).ToList();
            return new { title, rows };
        }
    }
}

/// <summary>The console every command writes to; an invocation with --format json swaps in a collecting one.</summary>
internal sealed class SwitchableConsole(IAnsiConsole initial) : IAnsiConsole
{
    public IAnsiConsole Current { get; set; } = initial;

    public Profile Profile => Current.Profile;

    public IAnsiConsoleCursor Cursor => Current.Cursor;

    public IAnsiConsoleInput Input => Current.Input;

    public IExclusivityMode ExclusivityMode => Current.ExclusivityMode;

    public RenderPipeline Pipeline => Current.Pipeline;

    public void Clear(bool home) => Current.Clear(home);

    public void Write(IRenderable renderable) => Current.Write(renderable);

    public void WriteAnsi(Action<AnsiWriter> action) => Current.WriteAnsi(action);
}
