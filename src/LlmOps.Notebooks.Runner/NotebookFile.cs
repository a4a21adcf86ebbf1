using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;

namespace LlmOps.Notebooks.Runner;

/// <summary>
/// A .ipynb read and written with Microsoft.DotNet.Interactive.Documents, the library Polyglot Notebooks saves with:
/// what VS Code wrote (kernelspec, Polyglot metadata, cell ids and tags) comes back out as it went in; only the outputs
/// and execution counts of the cells that ran change, and the injected parameters cell is added.
/// </summary>
internal sealed class NotebookFile
{
    public const string ParametersTag = "parameters";
    public const string InjectedTag = "injected-parameters";

    private readonly bool _trailingNewline;

    private NotebookFile(InteractiveDocument document, bool trailingNewline)
    {
        Document = document;
        _trailingNewline = trailingNewline;
    }

    public InteractiveDocument Document { get; }

    public IList<InteractiveDocumentElement> Cells => Document.Elements;

    public static KernelInfoCollection Kernels { get; } = new() { new KernelInfo("csharp", "C#", ["c#", "C#"]) };

    public static NotebookFile Parse(string json, string name)
    {
        InteractiveDocument document;
        try
        {
            document = Notebook.Parse(json, Kernels);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new FormatException($"{name} is not a Jupyter notebook: {ex.Message}", ex);
        }

        return new NotebookFile(document, json.EndsWith('\n'));
    }

    public static async Task<NotebookFile> LoadAsync(string path, CancellationToken cancellationToken) =>
        Parse(await File.ReadAllTextAsync(path, cancellationToken), Path.GetFileName(path));

    public static bool IsCode(InteractiveDocumentElement cell) => cell.KernelName is not ("markdown" or "raw" or "mermaid");

    public static bool HasTag(InteractiveDocumentElement cell, string tag) =>
        cell.Metadata?.TryGetValue("tags", out var tags) == true && tags is IEnumerable<object> list && list.Any(t => Equals(t?.ToString(), tag));

    /// <summary>Inserts the code cell papermill calls injected-parameters after <paramref name="after"/>.</summary>
    public InteractiveDocumentElement InsertInjectedCell(InteractiveDocumentElement after, string source)
    {
        var cell = new InteractiveDocumentElement(source, "csharp", [])
        {
            Id = Guid.NewGuid().ToString("N")[..8],
            Metadata = new Dictionary<string, object> { ["tags"] = new object[] { InjectedTag } },
        };
        Cells.Insert(Cells.IndexOf(after) + 1, cell);
        return cell;
    }

    public string ToJson()
    {
        var json = Notebook.ToJupyterJson(Document);
        return _trailingNewline && !json.EndsWith('\n') ? json + "\n" : json;
    }

    /// <summary>Writes through a temporary file, so a reader never sees half a notebook.</summary>
    public async Task SaveAsync(string path, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, ToJson(), CancellationToken.None);
        File.Move(temporary, path, overwrite: true);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
