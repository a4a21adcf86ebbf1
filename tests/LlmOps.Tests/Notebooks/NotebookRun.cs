using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Cli;

namespace LlmOps.Tests.Notebooks;

/// <summary>Runs `llmops notebook run` in process (the notebook itself runs in the child process it starts).</summary>
internal static class NotebookRun
{
    public static async Task<(int Exit, string Output, JsonObject Notebook)> RunAsync(string notebook, string output, params string[] extra)
    {
        using var console = new StringWriter();
        var exit = await LlmOpsCli.RunAsync(["notebook", "run", notebook, "--output", output, .. extra], Infrastructure.CliRun.Console(console));
        var written = File.Exists(output) ? JsonNode.Parse(await File.ReadAllTextAsync(output))!.AsObject() : [];
        return (exit, console.ToString(), written);
    }

    public static IEnumerable<JsonObject> CodeCells(JsonObject notebook) =>
        notebook["cells"]!.AsArray().OfType<JsonObject>().Where(c => c["cell_type"]!.GetValue<string>() == "code");

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A cell's outputs as JSON, with HTML left readable (only quotes and backslashes escaped).</summary>
    public static string Outputs(JsonObject cell) => cell["outputs"]!.ToJsonString(Relaxed);

    /// <summary>
    /// What a run may change and nothing else: the code cells' outputs and execution counts, and the injected parameters
    /// cell. Every other byte of what VS Code wrote (notebook metadata, cell ids, tags, Polyglot kernel names, markdown,
    /// sources) comes back as it was, key order included.
    /// </summary>
    public static void AssertOnlyOutputsChanged(string original, JsonObject written)
    {
        var before = JsonNode.Parse(original)!.AsObject();
        Assert.Equal(before["metadata"]!.ToJsonString(), written["metadata"]!.ToJsonString());
        Assert.Equal(before["nbformat"]!.ToJsonString() + before["nbformat_minor"]!.ToJsonString(), written["nbformat"]!.ToJsonString() + written["nbformat_minor"]!.ToJsonString());
        var cells = written["cells"]!.AsArray().OfType<JsonObject>()
            .Where(c => c["metadata"]?["tags"]?.AsArray().Any(t => t!.GetValue<string>() == "injected-parameters") != true)
            .Select(Strip).ToList();
        Assert.Equal(before["cells"]!.AsArray().OfType<JsonObject>().Select(Strip), cells);

        static string Strip(JsonObject cell)
        {
            var copy = cell.DeepClone().AsObject();
            copy.Remove("outputs");
            copy.Remove("execution_count");
            return copy.ToJsonString();
        }
    }

    /// <summary>A Polyglot-format notebook of C# cells (the first tagged parameters when asked).</summary>
    public static string Write(string directory, string name, bool firstIsParameters, params string[] cells)
    {
        var list = new JsonArray();
        for (var i = 0; i < cells.Length; i++)
        {
            var metadata = new JsonObject
            {
                ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
                ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
            };
            if (i == 0 && firstIsParameters)
            {
                metadata["tags"] = new JsonArray("parameters");
            }

            list.Add(new JsonObject { ["cell_type"] = "code", ["execution_count"] = null, ["metadata"] = metadata, ["outputs"] = new JsonArray(), ["source"] = cells[i] });
        }

        var path = Path.Combine(directory, name);
        File.WriteAllText(path, new JsonObject
        {
            ["cells"] = list,
            ["metadata"] = new JsonObject { ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" } },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        }.ToJsonString());
        return path;
    }
}
