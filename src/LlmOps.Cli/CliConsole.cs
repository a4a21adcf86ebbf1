using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LlmOps.Cli;

/// <summary>
/// The console the llmops command writes to. On a terminal: Spectre's, with colour, boxes and the terminal's width.
/// Piped or redirected (a script, a file, CI): plain text a script can read, with no ANSI codes, no wrapping and no
/// box drawing: a table becomes aligned columns separated by two spaces, one line per row.
/// </summary>
public static class CliConsole
{
    /// <summary>Wide enough that no line of ours wraps.</summary>
    public const int PlainWidth = 4096;

    public static IAnsiConsole Create(TextWriter? output = null, bool? terminal = null)
    {
        if (terminal ?? !Console.IsOutputRedirected)
        {
            return output is null ? AnsiConsole.Console : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output ?? Console.Out),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = PlainWidth;
        console.Profile.Capabilities.Unicode = false;
        console.Pipeline.Attach(new PlainTables(console));
        return console;
    }

    /// <summary>A table as plain text: its title, the header line (when shown), one line per row with the columns aligned, its caption.</summary>
    public static string PlainText(Table table, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(console);
        var options = RenderOptions.Create(console, console.Profile.Capabilities);
        string Text(IRenderable cell) => CellText(cell, options);
        var lines = new List<string[]>();
        if (table.ShowHeaders)
        {
            lines.Add([.. table.Columns.Select(c => Text(c.Header))]);
        }

        lines.AddRange(table.Rows.Select(row => row.Select(Text).ToArray()));
        var widths = Enumerable.Range(0, table.Columns.Count).Select(i => lines.Max(l => i < l.Length ? l[i].Length : 0)).ToArray();
        var text = new StringBuilder();
        if (table.Title is { } title)
        {
            text.AppendLine(Markup.Remove(title.Text));
        }

        foreach (var line in lines)
        {
            text.AppendLine(string.Join("  ", line.Select((cell, i) => i == line.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }

        if (table.Caption is { } caption)
        {
            text.AppendLine(Markup.Remove(caption.Text));
        }

        return text.ToString();
    }

    /// <summary>What <paramref name="renderable"/> says as plain text, without control codes or line breaks.</summary>
    public static string RenderedText(IRenderable renderable, RenderOptions options) =>
        string.Concat(renderable.Render(options, PlainWidth).Where(s => !s.IsControlCode).Select(s => s.IsLineBreak ? "\n" : s.Text));

    /// <summary>A table cell as one line of plain text (its lines joined by a space).</summary>
    public static string CellText(IRenderable cell, RenderOptions options) =>
        string.Join(' ', RenderedText(cell, options).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Replaces every table written to a plain console with its <see cref="PlainText"/>.</summary>
    private sealed class PlainTables(IAnsiConsole console) : IRenderHook
    {
        public IEnumerable<IRenderable> Process(RenderOptions options, IEnumerable<IRenderable> renderables) =>
            renderables.Select(r => r is Table table ? new Text(PlainText(table, console)) : r);
    }
}
