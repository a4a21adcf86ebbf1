using System.Text.Json.Nodes;

namespace LlmOps.Notebooks.Runner;

/// <summary>One cell of a <see cref="NotebookDocument"/>: its kind, source, tags, kernel and outputs.</summary>
public sealed class NotebookCell
{
    internal NotebookCell(JsonObject node) => Node = node;

    internal JsonObject Node { get; }

    public string CellType => Node["cell_type"]?.GetValue<string>() ?? "";

    public bool IsCode => CellType == "code";

    public string Id => Node["id"]?.GetValue<string>() ?? "";

    public string Source => Node["source"] switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>())),
        JsonValue text => text.GetValue<string>(),
        _ => "",
    };

    public IReadOnlyList<string> Tags => Node["metadata"]?["tags"] is JsonArray tags ? [.. tags.Select(t => t?.GetValue<string>() ?? "")] : [];

    /// <summary>The kernel the cell is for, as Polyglot Notebooks records it (csharp unless it says otherwise).</summary>
    public string Kernel =>
        Node["metadata"]?["polyglot_notebook"]?["kernelName"]?.GetValue<string>()
        ?? Node["metadata"]?["dotnet_interactive"]?["language"]?.GetValue<string>()
        ?? "csharp";

    public void SetOutputs(IEnumerable<JsonObject> outputs, int executionCount)
    {
        Node["outputs"] = new JsonArray([.. outputs]);
        Node["execution_count"] = executionCount;
    }

    public void ClearOutputs()
    {
        Node["outputs"] = new JsonArray();
        Node["execution_count"] = null;
    }

    internal static JsonArray ToLines(string text)
    {
        var lines = new JsonArray();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lines.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }

        return lines;
    }
}
