using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmOps.Tests.Notebooks;

public sealed class NotebookRunnerTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("llmops-nb-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string Out(string name) => Path.Combine(_folder.FullName, name);

    [Fact]
    public async Task Parameters_OverrideTypedVariables_StateCarries_LastExpressionDisplayed()
    {
        var notebook = NotebookRun.Write(_folder.FullName, "p.ipynb", true,
            "#!csharp\nvar name = \"world\";\nvar count = 2;\nvar ratio = 0.5;",
            "Console.WriteLine($\"hello {name}\");\ncount * 10",
            "var doubled = ratio * 2;\ndoubled");
        var (exit, output, written) = await NotebookRun.RunAsync(notebook, Out("p.out.ipynb"), "-p", "name=\"quoted\" there", "-p", "count=5", "-p", "ratio=1.5");

        Assert.True(exit == 0, output);
        var cells = NotebookRun.CodeCells(written).ToList();
        Assert.Equal(4, cells.Count);
        Assert.Equal("injected-parameters", cells[1]["metadata"]!["tags"]![0]!.GetValue<string>());
        Assert.Contains("hello \\\"quoted\\\" there", NotebookRun.Outputs(cells[2]), StringComparison.Ordinal);
        Assert.Contains("\"text/plain\":[\"50\"]", NotebookRun.Outputs(cells[2]), StringComparison.Ordinal);
        Assert.Contains("\"text/plain\":[\"3\"]", NotebookRun.Outputs(cells[3]), StringComparison.Ordinal);
        Assert.Equal([1, 2, 3, 4], cells.Select(c => c["execution_count"]!.GetValue<int>()));

        var (badExit, badOutput, _) = await NotebookRun.RunAsync(notebook, Out("p2.out.ipynb"), "-p", "nope=1");
        Assert.Equal(1, badExit);
        Assert.Contains("declares no 'nope'", badOutput, StringComparison.Ordinal);
        var (typeExit, typeOutput, _) = await NotebookRun.RunAsync(notebook, Out("p3.out.ipynb"), "-p", "count=many");
        Assert.Equal(1, typeExit);
        Assert.Contains("not a valid Int32", typeOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingCell_ExitOne_NamesTheCell_ErrorWrittenBack_LaterCellsNotRun()
    {
        var notebook = NotebookRun.Write(_folder.FullName, "f.ipynb", false,
            "var x = 1;",
            "throw new InvalidOperationException(\"boom\");",
            "x + 1");
        var (exit, output, written) = await NotebookRun.RunAsync(notebook, Out("f.out.ipynb"));

        Assert.Equal(1, exit);
        Assert.Contains("FAILED in cell 2: InvalidOperationException: boom", output, StringComparison.Ordinal);
        var cells = NotebookRun.CodeCells(written).ToList();
        Assert.Contains("\"ename\":\"InvalidOperationException\"", NotebookRun.Outputs(cells[1]), StringComparison.Ordinal);
        Assert.Null(cells[2]["execution_count"]?.GetValue<int?>());

        var compile = NotebookRun.Write(_folder.FullName, "c.ipynb", false, "var y = ;");
        var (compileExit, compileOutput, _) = await NotebookRun.RunAsync(compile, Out("c.out.ipynb"));
        Assert.Equal(1, compileExit);
        Assert.Contains("CompilationErrorException", compileOutput, StringComparison.Ordinal);
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
    public async Task RelativeReference_Resolved_NugetOfThisBuild_Ok_UnknownPackageAndOtherKernels_ClearErrors()
    {
        var lib = Directory.CreateDirectory(Path.Combine(_folder.FullName, "lib"));
        var compilation = CSharpCompilation.Create(
            "Greeter",
            [CSharpSyntaxTree.ParseText("public static class Greeter { public static string Hello(string who) => \"hi \" + who; }")],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.True(compilation.Emit(Path.Combine(lib.FullName, "Greeter.dll")).Success);

        var notebook = NotebookRun.Write(_folder.FullName, "r.ipynb", false,
            "#r \"lib/Greeter.dll\"\n#r \"nuget: LlmOps.Notebooks, 0.1.0\"\nGreeter.Hello(\"there\")",
            "LlmOps.Notebooks.Html.Encode(\"<b>\")");
        var (exit, output, written) = await NotebookRun.RunAsync(notebook, Out("r.out.ipynb"));
        Assert.True(exit == 0, output);
        var cells = NotebookRun.CodeCells(written).ToList();
        Assert.Contains("hi there", NotebookRun.Outputs(cells[0]), StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;", NotebookRun.Outputs(cells[1]), StringComparison.Ordinal);

        var unknown = NotebookRun.Write(_folder.FullName, "u.ipynb", false, "#r \"nuget: No.Such.Package, 1.0.0\"\n1");
        var (unknownExit, unknownOutput, _) = await NotebookRun.RunAsync(unknown, Out("u.out.ipynb"));
        Assert.Equal(1, unknownExit);
        Assert.Contains("has no No.Such.Package.dll", unknownOutput, StringComparison.Ordinal);

        var fsharp = NotebookRun.Write(_folder.FullName, "fs.ipynb", false, "#!fsharp\nlet x = 1");
        var (fsharpExit, fsharpOutput, _) = await NotebookRun.RunAsync(fsharp, Out("fs.out.ipynb"));
        Assert.Equal(1, fsharpExit);
        Assert.Contains("#!fsharp", fsharpOutput, StringComparison.Ordinal);
    }
}
