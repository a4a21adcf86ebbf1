using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace LlmOps.Notebooks.Runner;

/// <summary>
/// Runs a notebook's C# cells in order with Roslyn scripting, state shared across cells, in this process (the CLI runs
/// it in a child process so a timeout can stop it). Handles what Polyglot Notebooks cells contain: <c>#!csharp</c>,
/// <c>#r "path"</c> (relative to the notebook), <c>#r "nuget: Name"</c> (satisfied by this build's own assemblies),
/// <c>#i</c> (ignored), the cell tagged <c>parameters</c> overridden as papermill does, the last expression displayed.
/// Outputs and errors are written into the notebook after every cell; the first failing cell stops the run.
/// </summary>
public static partial class NotebookExecutor
{
    public const string ParametersTag = "parameters";
    public const string InjectedTag = "injected-parameters";

    /// <summary>Runs <paramref name="inputPath"/> and writes the result to <paramref name="outputPath"/>; 0 when every cell ran, 1 otherwise.</summary>
    public static async Task<int> RunAsync(string inputPath, string outputPath, IReadOnlyDictionary<string, string> parameters, TextWriter progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(progress);
        var notebook = await NotebookDocument.LoadAsync(inputPath, cancellationToken);
        var directory = Path.GetDirectoryName(Path.GetFullPath(inputPath))!;
        var cells = notebook.Cells.Where(c => c.IsCode).ToList();
        foreach (var cell in notebook.Cells.Where(c => c.Tags.Contains(InjectedTag)).ToList())
        {
            // A re-run replaces the parameters injected by the previous one.
            notebook.CellArray.Remove(cell.Node);
            cells.Remove(cells.Single(c => c.Node == cell.Node));
        }

        var parametersCell = cells.FirstOrDefault(c => c.Tags.Contains(ParametersTag));
        if (parameters.Count > 0 && parametersCell is null)
        {
            await progress.WriteLineAsync("No cell is tagged 'parameters', so -p has nothing to override.");
            return 1;
        }

        foreach (var cell in cells)
        {
            cell.ClearOutputs();
        }

        var positions = notebook.Cells.Select((c, index) => (c.Node, index)).ToDictionary(p => p.Node, p => p.index + 1);
        var options = Options(directory);
        ScriptState<object>? state = null;
        var count = 0;
        var originalOut = Console.Out;
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            var label = $"cell {positions[cell.Node]}{(cell.Id.Length > 0 ? $" ({cell.Id})" : "")}";
            await progress.WriteLineAsync($"[{i + 1}/{cells.Count}] running {label}");
            await progress.FlushAsync(cancellationToken);
            var (outputs, failure, newState) = await ExecuteAsync(cell.Source, cell.Kernel, directory, options, state, ++count, cancellationToken);
            cell.SetOutputs(outputs, count);
            state = newState ?? state;
            if (failure is null && cell == parametersCell && parameters.Count > 0)
            {
                string injected;
                try
                {
                    injected = InjectedParameters(parameters, state!);
                }
                catch (ArgumentException ex)
                {
                    failure = ex.Message;
                    cell.SetOutputs([Error("ParameterError", ex.Message, [])], count);
                    injected = "";
                }

                if (failure is null)
                {
                    var injectedCell = notebook.InsertCodeCellAfter(cell, injected, InjectedTag);
                    var (injectedOutputs, injectedFailure, injectedState) = await ExecuteAsync(injected, "csharp", directory, options, state, ++count, cancellationToken);
                    injectedCell.SetOutputs(injectedOutputs, count);
                    state = injectedState ?? state;
                    failure = injectedFailure;
                    label = "the injected parameters";
                }
            }

            Console.SetOut(originalOut);
            await notebook.SaveAsync(outputPath, cancellationToken);
            if (failure is not null)
            {
                await progress.WriteLineAsync($"FAILED in {label}: {failure}");
                return 1;
            }
        }

        await progress.WriteLineAsync($"All {cells.Count} code cells ran; outputs written to {outputPath}.");
        return 0;
    }

    private static async Task<(List<JsonObject> Outputs, string? Failure, ScriptState<object>? State)> ExecuteAsync(
        string source, string kernel, string directory, ScriptOptions options, ScriptState<object>? state, int count, CancellationToken cancellationToken)
    {
        var outputs = new List<JsonObject>();
        if (kernel is not ("csharp" or "C#" or "c#"))
        {
            var message = $"This cell is for the '{kernel}' kernel; the headless runner runs C# cells only.";
            outputs.Add(Error("UnsupportedKernel", message, []));
            return (outputs, message, null);
        }

        string code;
        try
        {
            code = Preprocess(source, directory);
        }
        catch (ArgumentException ex)
        {
            outputs.Add(Error("DirectiveError", ex.Message, []));
            return (outputs, ex.Message, null);
        }

        var stdout = new StringWriter(CultureInfo.InvariantCulture);
        Console.SetOut(stdout);
        ScriptState<object>? next = null;
        Exception? exception;
        try
        {
            next = state is null
                ? await CSharpScript.Create(code, options).RunAsync(null, _ => true, cancellationToken)
                : await state.ContinueWithAsync(code, options, catchException: _ => true, cancellationToken: cancellationToken);
            exception = next.Exception;
        }
        catch (CompilationErrorException ex)
        {
            exception = ex;
        }

        await Console.Out.FlushAsync(cancellationToken);
        if (stdout.ToString() is { Length: > 0 } printed)
        {
            outputs.Add(new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = NotebookCell.ToLines(printed) });
        }

        if (exception is not null)
        {
            var inner = exception is TargetInvocationException { InnerException: { } wrapped } ? wrapped : exception;
            var message = inner is CompilationErrorException compile ? string.Join("; ", compile.Diagnostics.Select(d => d.ToString())) : inner.Message;
            outputs.Add(Error(inner.GetType().Name, message, (inner.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            return (outputs, $"{inner.GetType().Name}: {message}", exception is CompilationErrorException ? null : next);
        }

        if (next!.ReturnValue is { } value && IsTrailingExpression(code))
        {
            var data = new JsonObject();
            foreach (var (mime, content) in NotebookFormatter.Format(value))
            {
                data[mime] = NotebookCell.ToLines(content);
            }

            outputs.Add(new JsonObject { ["output_type"] = "execute_result", ["execution_count"] = count, ["data"] = data, ["metadata"] = new JsonObject() });
        }

        return (outputs, null, next);
    }

    /// <summary>Turns Polyglot directives into what Roslyn scripting understands, or a clear error.</summary>
    internal static string Preprocess(string source, string directory)
    {
        var code = new StringBuilder();
        var lines = source.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            if (i == 0 && trimmed is "#!csharp" or "#!c#" or "#!C#")
            {
                code.AppendLine();
                continue;
            }

            if (trimmed.StartsWith("#!", StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{trimmed}' is a Polyglot magic command the headless runner does not run (only #!csharp is).");
            }

            if (trimmed.StartsWith("#i ", StringComparison.Ordinal))
            {
                code.AppendLine("// " + trimmed);
                continue;
            }

            if (ReferenceDirective().Match(trimmed) is { Success: true } reference)
            {
                var target = reference.Groups[1].Value;
                if (target.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase))
                {
                    var package = target[6..].Split(',')[0].Trim();
                    if (!File.Exists(Path.Combine(AppContext.BaseDirectory, package + ".dll")))
                    {
                        throw new ArgumentException($"#r \"{target}\": the headless runner resolves packages to its own build, which has no {package}.dll.");
                    }

                    code.AppendLine("// " + trimmed);
                }
                else
                {
                    var path = Path.GetFullPath(Path.Combine(directory, target));
                    if (!File.Exists(path))
                    {
                        throw new ArgumentException($"#r \"{target}\": no such file {path} (paths are relative to the notebook).");
                    }

                    code.Append("#r \"").Append(path).AppendLine("\"");
                }

                continue;
            }

            code.AppendLine(line);
        }

        return code.ToString();
    }

    /// <summary>Assignments that give the parameters cell's variables the -p values, converted to each variable's type.</summary>
    internal static string InjectedParameters(IReadOnlyDictionary<string, string> parameters, ScriptState<object> state)
    {
        var code = new StringBuilder("// Parameters injected by llmops notebook run\n");
        foreach (var (name, value) in parameters)
        {
            var variable = state.Variables.LastOrDefault(v => v.Name == name)
                ?? throw new ArgumentException($"-p {name}: the parameters cell declares no '{name}' (it declares: {string.Join(", ", state.Variables.Select(v => v.Name).Distinct())}).");
            var literal = variable.Type switch
            {
                var t when t == typeof(string) => SymbolDisplay.FormatLiteral(value, quote: true),
                var t when t == typeof(bool) => bool.TryParse(value, out var b) ? (b ? "true" : "false") : null,
                var t when t == typeof(int) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n.ToString(CultureInfo.InvariantCulture) : null,
                var t when t == typeof(long) => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n.ToString(CultureInfo.InvariantCulture) + "L" : null,
                var t when t == typeof(double) => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d.ToString("R", CultureInfo.InvariantCulture) + "d" : null,
                _ => throw new ArgumentException($"-p {name}: its variable is a {variable.Type.Name}; parameters can be string, bool, int, long or double."),
            };
            code.Append(CultureInfo.InvariantCulture, $"{name} = {literal ?? throw new ArgumentException($"-p {name}={value}: not a valid {variable.Type.Name}.")};\n");
        }

        return code.ToString();
    }

    private static bool IsTrailingExpression(string code)
    {
        var tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(kind: SourceCodeKind.Script));
        var last = tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax>().LastOrDefault();
        return last?.Statement is Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionStatementSyntax { SemicolonToken.IsMissing: true };
    }

    private static ScriptOptions Options(string directory)
    {
        // The framework and this build's assemblies: what the runner's own process runs on (TPA), plus the app folder.
        var trusted = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var references = new List<MetadataReference>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var dll in trusted.Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll")))
        {
            if (!seen.Add(Path.GetFileName(dll)))
            {
                continue;
            }

            try
            {
                using var stream = File.OpenRead(dll);
                using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
                if (pe.HasMetadata)
                {
                    references.Add(MetadataReference.CreateFromFile(dll));
                }
            }
            catch (BadImageFormatException)
            {
                // A native library beside the managed ones.
            }
        }

        return ScriptOptions.Default
            .WithReferences(references)
            .AddImports("System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Text", "System.Threading", "System.Threading.Tasks")
            .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(directory))
            .WithSourceResolver(new SourceFileResolver([], directory))
            .WithFilePath(Path.Combine(directory, "notebook.csx"))
            .WithEmitDebugInformation(false);
    }

    private static JsonObject Error(string name, string message, IEnumerable<string> traceback) => new()
    {
        ["output_type"] = "error",
        ["ename"] = name,
        ["evalue"] = message,
        ["traceback"] = new JsonArray([.. traceback.Select(t => (JsonNode)t.TrimEnd())]),
    };

    [GeneratedRegex("^#r\\s+\"([^\"]+)\"\\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferenceDirective();
}
