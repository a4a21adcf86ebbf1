using LlmOps.Notebooks.Runner;

// LlmOps.Notebooks.Runner <input.ipynb> <output.ipynb> [name=value ...]: what `llmops notebook run` starts.
if (args.Length < 2)
{
    await Console.Error.WriteLineAsync("usage: LlmOps.Notebooks.Runner <input.ipynb> <output.ipynb> [name=value ...]");
    return 2;
}

var parameters = args.Skip(2).Select(p => p.Split('=', 2)).Select(p => KeyValuePair.Create(p[0], p.Length > 1 ? p[1] : "")).ToList();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await KernelNotebookRunner.RunAsync(args[0], args[1], parameters, Console.Out, cancel.Token);
