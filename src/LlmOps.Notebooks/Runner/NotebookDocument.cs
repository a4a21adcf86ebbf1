using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmOps.Notebooks.Runner;

/// <summary>
/// A .ipynb (nbformat 4) as JSON, kept whole so whatever VS Code's Polyglot Notebooks wrote (kernelspec, cell metadata)
/// survives a run. Cells are read and their outputs replaced; nothing else is touched.
/// </summary>
public sealed class NotebookDocument
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, IndentSize = 1 };

    private NotebookDocument(JsonObject root, JsonArray cells)
    {
        Root = root;
        CellArray = cells;
    }

    public JsonObject Root { get; }

    internal JsonArray CellArray { get; }

    public IReadOnlyList<NotebookCell> Cells => [.. CellArray.OfType<JsonObject>().Select(c => new NotebookCell(c))];

    public static NotebookDocument Parse(string json, string name = "notebook")
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{name} is not a notebook: {ex.Message}", ex);
        }

        if (node is not JsonObject root || root["cells"] is not JsonArray cells || root["nbformat"]?.GetValue<int>() != 4)
        {
            throw new FormatException($"{name} is not an nbformat 4 notebook (no \"cells\" list or \"nbformat\": 4).");
        }

        return new NotebookDocument(root, cells);
    }

    public static async Task<NotebookDocument> LoadAsync(string path, CancellationToken cancellationToken = default) =>
        Parse(await File.ReadAllTextAsync(path, cancellationToken), Path.GetFileName(path));

    /// <summary>Inserts a code cell after <paramref name="after"/> (papermill's injected-parameters cell).</summary>
    public NotebookCell InsertCodeCellAfter(NotebookCell after, string source, string tag)
    {
        ArgumentNullException.ThrowIfNull(after);
        var node = new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["id"] = Guid.NewGuid().ToString("N")[..8],
            ["metadata"] = new JsonObject
            {
                ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
                ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
                ["tags"] = new JsonArray(tag),
            },
            ["outputs"] = new JsonArray(),
            ["source"] = NotebookCell.ToLines(source),
        };
        CellArray.Insert(CellArray.IndexOf(after.Node) + 1, node);
        return new NotebookCell(node);
    }

    public string ToJson() => Root.ToJsonString(Indented) + "\n";

    public async Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, ToJson(), cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }
}
