using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;
using Microsoft.DotNet.Interactive.ValueSharing;

namespace LlmOps.Notebooks.Runner;

/// <summary>
/// The .NET Interactive kernel a notebook runs on, set up as Polyglot Notebooks sets up its C# kernel: a
/// <see cref="CompositeKernel"/> around a <see cref="CSharpKernel"/> with <c>display()</c>, value sharing and
/// <c>#i</c> / <c>#r "nuget: ..."</c> restored by the kernel's package management. A package's kernel extensions
/// (<c>interactive-extensions/dotnet</c>: <see cref="IKernelExtension"/> assemblies, then <c>extension.dib</c>) load
/// after the cell that added it, as in Polyglot.
/// </summary>
internal sealed class NotebookKernel : IDisposable
{
    public const string CSharp = "csharp";

    private readonly CompositeKernel _kernel;
    private readonly CSharpKernel _csharp;
    private readonly ConcurrentQueue<ResolvedPackageReference> _added = new();
    private readonly ConcurrentDictionary<string, byte> _extensionsLoaded = new(StringComparer.Ordinal);

    public NotebookKernel()
    {
        _csharp = new CSharpKernel().UseKernelHelpers().UseValueSharing();
        _csharp.UseNugetDirective(
            (kernel, references) =>
            {
                kernel.AddAssemblyReferences(references.SelectMany(r => r.AssemblyPaths));
                foreach (var reference in references)
                {
                    _added.Enqueue(reference);
                }

                return Task.CompletedTask;
            },
            false);
        // Every value also as text/plain, as Jupyter asks of kernels, so the notebook reads without a browser too.
        Formatter.SetPreferredMimeTypesFor(typeof(object), HtmlFormatter.MimeType, PlainTextFormatter.MimeType);
        _kernel = new CompositeKernel { _csharp };
        _kernel.DefaultKernelName = CSharp;
        _kernel.RegisterCommandHandler<LoadPackageExtensions>(LoadPackageExtensionsAsync);
    }

    /// <summary>Runs one cell's code; its outputs as the kernel produced them, and the failure message when it failed.</summary>
    public async Task<(List<InteractiveDocumentOutputElement> Outputs, Failure? Failure)> RunAsync(string code, int executionOrder, CancellationToken cancellationToken)
    {
        var outputs = new List<InteractiveDocumentOutputElement>();
        var result = await _kernel.SendAsync(new SubmitCode(code, CSharp), cancellationToken);
        var failure = Collect(result.Events, executionOrder, outputs);
        if (failure is null)
        {
            failure = await LoadExtensionsAsync(executionOrder, outputs, cancellationToken);
        }

        return (outputs, failure);
    }

    /// <summary>The C# kernel's variables with their types (what Polyglot's variable explorer shows).</summary>
    public async Task<IReadOnlyCollection<KernelValueInfo>> VariablesAsync(CancellationToken cancellationToken)
    {
        var result = await _kernel.SendAsync(new RequestValueInfos(CSharp, "text/plain"), cancellationToken);
        return result.Events.OfType<ValueInfosProduced>().SingleOrDefault()?.ValueInfos ?? [];
    }

    public void Dispose()
    {
        _kernel.Dispose();
    }

    private static Failure? Collect(IEnumerable<KernelEvent> events, int executionOrder, List<InteractiveDocumentOutputElement> outputs)
    {
        Failure? failure = null;
        var displays = new Dictionary<string, DisplayElement>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            switch (e)
            {
                case ReturnValueProduced value:
                    var returned = new ReturnValueElement { ExecutionOrder = executionOrder };
                    foreach (var formatted in value.FormattedValues.Where(f => !f.SuppressDisplay))
                    {
                        returned.Data[formatted.MimeType] = formatted.Value;
                    }

                    if (returned.Data.Count > 0)
                    {
                        outputs.Add(returned);
                    }

                    break;
                case DisplayedValueUpdated updated when updated.ValueId is { } id && displays.TryGetValue(id, out var shown):
                    shown.Data.Clear();
                    foreach (var formatted in updated.FormattedValues)
                    {
                        shown.Data[formatted.MimeType] = formatted.Value;
                    }

                    break;
                case DisplayedValueProduced or DisplayedValueUpdated:
                    var display = (DisplayEvent)e;
                    var element = new DisplayElement(display.FormattedValues.ToDictionary(f => f.MimeType, f => (object)f.Value, StringComparer.Ordinal));
                    if (display.ValueId is { } valueId)
                    {
                        displays[valueId] = element;
                    }

                    outputs.Add(element);
                    break;
                case StandardOutputValueProduced stdout:
                    AppendStream(outputs, "stdout", stdout.FormattedValues.FirstOrDefault()?.Value);
                    break;
                case StandardErrorValueProduced stderr:
                    AppendStream(outputs, "stderr", stderr.FormattedValues.FirstOrDefault()?.Value);
                    break;
                case ErrorProduced error:
                    outputs.Add(new ErrorElement(error.Message, "Error", []));
                    break;
                case CommandFailed failed:
                    failure = Failure.From(failed);
                    outputs.Add(new ErrorElement(failure.Message, failure.Name, failure.StackTrace));
                    break;
            }
        }

        return failure;
    }

    private static void AppendStream(List<InteractiveDocumentOutputElement> outputs, string name, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        // Consecutive writes to one stream are one output, as Jupyter shows them.
        if (outputs.Count > 0 && outputs[^1] is TextElement last && last.Name == name)
        {
            outputs[^1] = new TextElement(last.Text + text, name);
        }
        else
        {
            outputs.Add(new TextElement(text, name));
        }
    }

    private async Task<Failure?> LoadExtensionsAsync(int executionOrder, List<InteractiveDocumentOutputElement> outputs, CancellationToken cancellationToken)
    {
        var folders = new List<DirectoryInfo>();
        while (_added.TryDequeue(out var package))
        {
            var folder = new DirectoryInfo(Path.Combine(package.PackageRoot ?? "", "interactive-extensions", "dotnet"));
            if (package.PackageRoot is { Length: > 0 } && folder.Exists && _extensionsLoaded.TryAdd(folder.FullName, 0))
            {
                folders.Add(folder);
            }
        }

        if (folders.Count == 0)
        {
            return null;
        }

        // A command of its own, so extensions load inside an invocation context as they do in Polyglot.
        var result = await _kernel.SendAsync(new LoadPackageExtensions(folders), cancellationToken);
        return Collect(result.Events, executionOrder, outputs) is { } failure ? failure with { Message = "loading a package's kernel extension: " + failure.Message } : null;
    }

    /// <summary>
    /// Assemblies first, then scripts, across every package the cell added: a package's extension.dib has the last word
    /// over the formatters of the packages it depends on.
    /// </summary>
    private static async Task LoadPackageExtensionsAsync(LoadPackageExtensions command, KernelInvocationContext context)
    {
        var kernel = context.HandlingKernel;
        foreach (var dll in command.Folders.SelectMany(f => f.GetFiles("*.dll")))
        {
            try
            {
                var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(dll.FullName);
                foreach (var type in assembly.GetExportedTypes().Where(t => typeof(IKernelExtension).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }))
                {
                    await ((IKernelExtension)Activator.CreateInstance(type)!).OnLoadAsync(kernel);
                }
            }
#pragma warning disable CA1031 // Whatever a package's extension throws, the package still works without it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                context.DisplayAs($"Skipped the kernel extension in {dll.Name}: {ex.Message}", PlainTextFormatter.MimeType);
            }
        }

        foreach (var script in command.Folders.Select(f => new FileInfo(Path.Combine(f.FullName, "extension.dib"))).Where(f => f.Exists))
        {
            await kernel.LoadAndRunInteractiveDocument(script, command);
        }
    }

    private sealed class LoadPackageExtensions(IReadOnlyList<DirectoryInfo> folders) : KernelCommand
    {
        public IReadOnlyList<DirectoryInfo> Folders { get; } = folders;
    }

    /// <summary>A cell's failure: the exception's type (or the compiler's), the kernel's message, the stack.</summary>
    public sealed record Failure(string Name, string Message, string[] StackTrace)
    {
        public static Failure From(CommandFailed failed)
        {
            var exception = failed.Exception is TargetInvocationException { InnerException: { } inner } ? inner : failed.Exception;
            if (exception is null)
            {
                // Compilation errors and directive errors come as a message only.
                return new Failure(failed.Message.Contains("error CS", StringComparison.Ordinal) ? "CompilationError" : "Error", failed.Message.Trim(), []);
            }

            return new Failure(exception.GetType().Name, exception.Message, (exception.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        public override string ToString() => $"{Name}: {Message}";
    }
}
