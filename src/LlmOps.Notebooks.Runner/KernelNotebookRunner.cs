using Microsoft.DotNet.Interactive.Documents;

namespace LlmOps.Notebooks.Runner;

/// <summary>
/// Runs a notebook's code cells in order on one <see cref="NotebookKernel"/>, as Run All in Polyglot Notebooks does:
/// the cell tagged <c>parameters</c> is followed by an injected cell that assigns the -p values (papermill's way), the
/// outputs of every cell are written back after it ran, and the first failing cell stops the run naming its number.
/// </summary>
public static class KernelNotebookRunner
{
    /// <summary>Runs <paramref name="inputPath"/> and writes the result to <paramref name="outputPath"/>; 0 when every cell ran, 1 otherwise.</summary>
    public static async Task<int> RunAsync(string inputPath, string outputPath, IReadOnlyList<KeyValuePair<string, string>> parameters, TextWriter progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(progress);
        NotebookFile notebook;
        try
        {
            notebook = await NotebookFile.LoadAsync(inputPath, cancellationToken);
        }
        catch (FormatException ex)
        {
            await progress.WriteLineAsync(ex.Message);
            return 1;
        }

        foreach (var injected in notebook.Cells.Where(c => NotebookFile.HasTag(c, NotebookFile.InjectedTag)).ToList())
        {
            // A re-run replaces the parameters injected by the previous one.
            notebook.Cells.Remove(injected);
        }

        var positions = notebook.Cells.Select((cell, index) => (cell, index)).ToDictionary(p => p.cell, p => p.index + 1);
        var cells = notebook.Cells.Where(NotebookFile.IsCode).ToList();
        var parametersCell = cells.FirstOrDefault(c => NotebookFile.HasTag(c, NotebookFile.ParametersTag));
        if (parameters.Count > 0 && parametersCell is null)
        {
            await progress.WriteLineAsync("No cell is tagged 'parameters', so -p has nothing to override.");
            return 1;
        }

        foreach (var cell in cells)
        {
            cell.Outputs.Clear();
            cell.ExecutionOrder = 0;
        }

        // Relative paths in cells (#i "nuget: ../artifacts/nuget", files) are the notebook's, as in VS Code.
        Directory.SetCurrentDirectory(Path.GetDirectoryName(Path.GetFullPath(inputPath))!);
        using var kernel = new NotebookKernel();
        var count = 0;
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            var label = $"cell {positions[cell]}{(cell.Id is { Length: > 0 } id ? $" ({id})" : "")}";
            await progress.WriteLineAsync($"[{i + 1}/{cells.Count}] running {label}");
            await progress.FlushAsync(cancellationToken);
            var failure = await RunCellAsync(kernel, cell, ++count, cancellationToken);
            if (failure is null && cell == parametersCell && parameters.Count > 0)
            {
                string code;
                try
                {
                    code = ParameterCell.Inject(parameters, await kernel.VariablesAsync(cancellationToken));
                }
                catch (ArgumentException ex)
                {
                    failure = new NotebookKernel.Failure("ParameterError", ex.Message, []);
                    cell.Outputs.Add(new ErrorElement(ex.Message, failure.Name, []));
                    code = "";
                }

                if (failure is null)
                {
                    var injected = notebook.InsertInjectedCell(cell, code);
                    failure = await RunCellAsync(kernel, injected, ++count, cancellationToken);
                    label = "the injected parameters";
                }
            }

            await notebook.SaveAsync(outputPath, cancellationToken);
            if (failure is not null)
            {
                await progress.WriteLineAsync($"FAILED in {label}: {failure.Name}: {FirstLine(failure.Message)}");
                return 1;
            }
        }

        await progress.WriteLineAsync($"All {cells.Count} code cells ran; outputs written to {outputPath}.");
        return 0;
    }

    private static async Task<NotebookKernel.Failure?> RunCellAsync(NotebookKernel kernel, InteractiveDocumentElement cell, int count, CancellationToken cancellationToken)
    {
        cell.ExecutionOrder = count;
        if (cell.KernelName is not NotebookKernel.CSharp)
        {
            var message = $"This cell is for the '{cell.KernelName}' kernel; the headless runner has the C# kernel only.";
            cell.Outputs.Add(new ErrorElement(message, "UnsupportedKernel", []));
            return new NotebookKernel.Failure("UnsupportedKernel", message, []);
        }

        var (outputs, failure) = await kernel.RunAsync(cell.Contents, count, cancellationToken);
        cell.Outputs.AddRange(outputs);
        return failure;
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].TrimEnd();
}
