using System.Diagnostics;
using System.Text.Json.Nodes;
using LlmOps.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmOps.Tests.Notebooks;

/// <summary>
/// `llmops notebook run` on the .NET Interactive C# kernel (LlmOps.Notebooks.Runner in a child process). In the product
/// catalog's collection, so never beside <see cref="ShippedNotebooksTests"/>: two kernels restoring the same packages
/// into the one NuGet folder at once failed a restore's GenerateDepsFile in a fresh-clone run.
/// </summary>
[Collection(EndToEnd.ProductCatalogCollection.Name)]
public sealed class NotebookRunnerTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("llmops-nb-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string Out(string name) => Path.Combine(_folder.FullName, name);

    /// <summary>The first cell of a notebook outside the repository: the build's package feed, by absolute path.</summary>
    private static string Feed => $"#i \"nuget: {RepositoryRoot.Combine("artifacts", "nuget")}\"";

    [Fact]
    public async Task Parameters_OverrideTypedVariables_StateCarries_ReturnValuesAndStdoutAsTheKernelFormatsThem()
    {
        var notebook = NotebookRun.Write(_folder.FullName, "p.ipynb", true,
            "#!csharp\nvar name = \"world\";\nvar count = 2;\nvar ratio = 0.5;",
            "Console.WriteLine($\"hello {name}\");\ncount * 10",
            "var doubled = ratio * 2;\ndisplay(\"shown\");\ndoubled");
        var (exit, output, written) = await NotebookRun.RunAsync(notebook, Out("p.out.ipynb"), "-p", "name=\"quoted\" there", "-p", "count=5", "-p", "ratio=1.5");

        Assert.True(exit == 0, output);
        var cells = NotebookRun.CodeCells(written).ToList();
        Assert.Equal(4, cells.Count);
        Assert.Equal("injected-parameters", cells[1]["metadata"]!["tags"]![0]!.GetValue<string>());
        var injected = string.Concat(cells[1]["source"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.Contains("name = \"\\\"quoted\\\" there\";\ncount = 5;\nratio = 1.5d;", injected, StringComparison.Ordinal);
        Assert.Contains("hello \\\"quoted\\\" there", NotebookRun.Outputs(cells[2]), StringComparison.Ordinal);
        // The kernel's own formatting: HTML for the notebook UI, and text/plain beside it.
        Assert.Contains("\"text/plain\":[\"50\"]", NotebookRun.Outputs(cells[2]), StringComparison.Ordinal);
        Assert.Contains("dni-plaintext", NotebookRun.Outputs(cells[2]), StringComparison.Ordinal);
        Assert.Contains("\"output_type\":\"display_data\"", NotebookRun.Outputs(cells[3]), StringComparison.Ordinal);
        Assert.Contains("\"text/plain\":[\"3\"]", NotebookRun.Outputs(cells[3]), StringComparison.Ordinal);
        Assert.Equal([1, 2, 3, 4], cells.Select(c => c["execution_count"]!.GetValue<int>()));

        var (badExit, badOutput, _) = await NotebookRun.RunAsync(notebook, Out("p2.out.ipynb"), "-p", "nope=1");
        Assert.Equal(1, badExit);
        Assert.Contains("declares no 'nope'", badOutput, StringComparison.Ordinal);
        var (typeExit, typeOutput, _) = await NotebookRun.RunAsync(notebook, Out("p3.out.ipynb"), "-p", "count=many");
        Assert.Equal(1, typeExit);
        Assert.Contains("not a valid Int32", typeOutput, StringComparison.Ordinal);

        // A re-run of its own output replaces the injected cell instead of adding a second.
        var (again, againOutput, rerun) = await NotebookRun.RunAsync(Out("p.out.ipynb"), Out("p4.out.ipynb"), "-p", "count=7");
        Assert.True(again == 0, againOutput);
        Assert.Single(NotebookRun.CodeCells(rerun), c => c["metadata"]!["tags"]?.ToJsonString().Contains("injected", StringComparison.Ordinal) == true);
        Assert.Contains("\"text/plain\":[\"70\"]", NotebookRun.Outputs(NotebookRun.CodeCells(rerun).ElementAt(2)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingCell_ExitOne_NamesTheCellNumber_KernelMessageWrittenBack_LaterCellsNotRun()
    {
        var notebook = NotebookRun.Write(_folder.FullName, "f.ipynb", false,
            "var x = 1;",
            "throw new InvalidOperationException(\"boom\");",
            "x + 1");
        var (exit, output, written) = await NotebookRun.RunAsync(notebook, Out("f.out.ipynb"));

        Assert.Equal(1, exit);
        Assert.Contains("FAILED in cell 2", output, StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException: boom", output, StringComparison.Ordinal);
        var cells = NotebookRun.CodeCells(written).ToList();
        Assert.Contains("\"ename\":\"InvalidOperationException\"", NotebookRun.Outputs(cells[1]), StringComparison.Ordinal);
        Assert.Contains("\"evalue\":\"boom\"", NotebookRun.Outputs(cells[1]), StringComparison.Ordinal);
        Assert.Null(cells[2]["execution_count"]?.GetValue<int?>());
        Assert.Empty(cells[2]["outputs"]!.AsArray());

        var compile = NotebookRun.Write(_folder.FullName, "c.ipynb", false, "var ok = 1;", "var y = ;");
        var (compileExit, compileOutput, _) = await NotebookRun.RunAsync(compile, Out("c.out.ipynb"));
        Assert.Equal(1, compileExit);
        Assert.Contains("FAILED in cell 2", compileOutput, StringComparison.Ordinal);
        Assert.Contains("CompilationErrorException", compileOutput, StringComparison.Ordinal);
        Assert.Contains("error CS1525", compileOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpinningCell_TimeoutKillsTheChild_Exit124()
    {
        var notebook = NotebookRun.Write(_folder.FullName, "t.ipynb", false, "var before = 1;", "while (true) { }");
        var clock = Stopwatch.StartNew();
        var (exit, output, written) = await NotebookRun.RunAsync(notebook, Out("t.out.ipynb"), "--timeout", "40");

        Assert.Equal(124, exit);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed}");
        Assert.Contains("Timed out after 40 s", output, StringComparison.Ordinal);
        Assert.Contains("cell 2", output, StringComparison.Ordinal);
        Assert.Equal(1, NotebookRun.CodeCells(written).First()["execution_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task RelativeReference_AndTheBuildsFeed_ResolvedByTheKernel_DataFrameThroughOurFormatter_UnknownPackageAndOtherKernels_ClearErrors()
    {
        var lib = Directory.CreateDirectory(Path.Combine(_folder.FullName, "lib"));
        var compilation = CSharpCompilation.Create(
            "Greeter",
            [CSharpSyntaxTree.ParseText("public static class Greeter { public static string Hello(string who) => \"hi \" + who; }")],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.True(compilation.Emit(Path.Combine(lib.FullName, "Greeter.dll")).Success);

        var notebook = NotebookRun.Write(_folder.FullName, "r.ipynb", false,
            "#r \"lib/Greeter.dll\"\nGreeter.Hello(\"there\")",
            Feed + "\n#r \"nuget: LlmOps.Notebooks, 0.1.0\"\nLlmOps.Notebooks.Html.Encode(\"<b>\")",
            "using Microsoft.Data.Analysis;\nnew DataFrame(new StringDataFrameColumn(\"name\", [\"a\", \"b\"]), new Int32DataFrameColumn(\"n\", [1, 2]))");
        var (exit, output, written) = await NotebookRun.RunAsync(notebook, Out("r.out.ipynb"));
        Assert.True(exit == 0, output);
        var cells = NotebookRun.CodeCells(written).ToList();
        Assert.Contains("hi there", NotebookRun.Outputs(cells[0]), StringComparison.Ordinal);
        Assert.Contains("Installed Packages", NotebookRun.Outputs(cells[1]), StringComparison.Ordinal);
        Assert.Contains("LlmOps.Notebooks, 0.1.0", NotebookRun.Outputs(cells[1]), StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;", NotebookRun.Outputs(cells[1]), StringComparison.Ordinal);
        // The package's extension.dib registered LlmOps.Notebooks' table for DataFrames (the same one VS Code shows).
        var frame = NotebookRun.Outputs(cells[2]);
        Assert.Contains("<table style=\\\"border-collapse:collapse", frame, StringComparison.Ordinal);
        Assert.Contains("<th style=", frame, StringComparison.Ordinal);
        Assert.DoesNotContain("dni-treeview", frame, StringComparison.Ordinal);

        var unknown = NotebookRun.Write(_folder.FullName, "u.ipynb", false, Feed + "\n#r \"nuget: No.Such.Package, 1.0.0\"\n1");
        var (unknownExit, unknownOutput, _) = await NotebookRun.RunAsync(unknown, Out("u.out.ipynb"));
        Assert.Equal(1, unknownExit);
        Assert.Contains("FAILED in cell 1", unknownOutput, StringComparison.Ordinal);
        Assert.Contains("No.Such.Package", unknownOutput, StringComparison.Ordinal);

        var fsharp = NotebookRun.Write(_folder.FullName, "fs.ipynb", false, "var x = 1;", "let y = 1");
        var json = JsonNode.Parse(await File.ReadAllTextAsync(fsharp))!;
        json["cells"]![1]!["metadata"]!["polyglot_notebook"]!["kernelName"] = "fsharp";
        await File.WriteAllTextAsync(fsharp, json.ToJsonString());
        var (fsharpExit, fsharpOutput, _) = await NotebookRun.RunAsync(fsharp, Out("fs.out.ipynb"));
        Assert.Equal(1, fsharpExit);
        Assert.Contains("FAILED in cell 2", fsharpOutput, StringComparison.Ordinal);
        Assert.Contains("'fsharp' kernel", fsharpOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotAnIpynb_AndNoParametersCell_ClearErrors()
    {
        var broken = Out("broken.ipynb");
        await File.WriteAllTextAsync(broken, "{ not json");
        var (exit, output, _) = await NotebookRun.RunAsync(broken, Out("broken.out.ipynb"));
        Assert.Equal(1, exit);
        Assert.Contains("broken.ipynb is not a Jupyter notebook", output, StringComparison.Ordinal);

        var plain = NotebookRun.Write(_folder.FullName, "plain.ipynb", false, "var x = 1;");
        var (plainExit, plainOutput, _) = await NotebookRun.RunAsync(plain, Out("plain.out.ipynb"), "-p", "x=2");
        Assert.Equal(1, plainExit);
        Assert.Contains("No cell is tagged 'parameters'", plainOutput, StringComparison.Ordinal);
    }
}
