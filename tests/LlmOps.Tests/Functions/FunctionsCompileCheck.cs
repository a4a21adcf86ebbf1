using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Functions;

/// <summary>
/// Compiles functions/LlmOps.Functions with Roslyn against reference stubs of the Functions worker API (whose
/// packages this machine cannot restore) plus the real LlmOps, Azure SDK and ASP.NET Core assemblies.
/// </summary>
public static class FunctionsCompileCheck
{
    // The implicit usings the .NET SDK adds to a Microsoft.NET.Sdk project.
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    // Version-unification notices, not problems.
    // What the SDK's GenerateAssemblyInfo writes for the project (Directory.Build.props: Version 0.1.0).
    private const string GeneratedAssemblyInfo = """
        [assembly: System.Reflection.AssemblyVersion("0.1.0.0")]
        [assembly: System.Reflection.AssemblyFileVersion("0.1.0.0")]
        [assembly: System.Reflection.AssemblyInformationalVersion("0.1.0")]
        """;

    private static readonly string[] IgnoredWarnings = ["CS1701", "CS1702"];

    private static readonly Lazy<MetadataReference> StubReference = new(CompileStubs);

    public static string FunctionsDirectory => RepositoryRoot.Combine("functions", "LlmOps.Functions");

    public static IReadOnlyDictionary<string, string> ReadFunctionSources() =>
        Directory.EnumerateFiles(FunctionsDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{System.IO.Path.DirectorySeparatorChar}obj{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !p.Contains($"{System.IO.Path.DirectorySeparatorChar}bin{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(p => System.IO.Path.GetRelativePath(FunctionsDirectory, p), File.ReadAllText, StringComparer.Ordinal);

    /// <summary>Compiles the given sources (file name to text) as the Functions app.</summary>
    public static (CSharpCompilation Compilation, ImmutableArray<Diagnostic> Problems) Compile(IReadOnlyDictionary<string, string> sources)
    {
        var trees = sources
            .Select(s => CSharpSyntaxTree.ParseText(s.Value, Options.Parse, s.Key))
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, Options.Parse, "ImplicitUsings.g.cs"))
            .Append(CSharpSyntaxTree.ParseText(GeneratedAssemblyInfo, Options.Parse, "AssemblyInfo.g.cs"))
            .ToList();
        var compilation = CSharpCompilation.Create(
            "LlmOps.Functions",
            trees,
            PlatformReferences().Append(StubReference.Value),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(RepositoryAnalyzers.Value.Config.GlobalConfigOptions.TreeOptions));
        var analyzed = compilation.WithAnalyzers(
            RepositoryAnalyzers.Value.Analyzers,
            new AnalyzerOptions([], new ConfigOptionsProvider(RepositoryAnalyzers.Value.Config)));
        var problems = analyzed.GetAllDiagnosticsAsync().GetAwaiter().GetResult()
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && !IgnoredWarnings.Contains(d.Id)))
            .ToImmutableArray();
        return (compilation, problems);
    }

    /// <summary>
    /// The analyzers every project here builds with (Directory.Build.props: AnalysisLevel latest-recommended, warnings as
    /// errors): the SDK's .NET analyzers with the SDK's recommended rule set for its version, then the repository's
    /// .editorconfig on top, as the build applies them.
    /// </summary>
    private static readonly Lazy<(ImmutableArray<DiagnosticAnalyzer> Analyzers, AnalyzerConfigSet Config)> RepositoryAnalyzers = new(() =>
    {
        var runtime = System.IO.Path.GetDirectoryName(typeof(object).Assembly.Location)!; // <dotnet>/shared/Microsoft.NETCore.App/<version>
        var dotnet = System.IO.Path.GetFullPath(System.IO.Path.Combine(runtime, "..", "..", ".."));
        var sdk = Directory.EnumerateDirectories(System.IO.Path.Combine(dotnet, "sdk"))
            .Where(d => Directory.Exists(System.IO.Path.Combine(d, "Sdks", "Microsoft.NET.Sdk", "analyzers")))
            .OrderByDescending(d => Version.TryParse(System.IO.Path.GetFileName(d).Split('-')[0], out var v) ? v : new Version(0, 0))
            .First();
        var analyzersDirectory = System.IO.Path.Combine(sdk, "Sdks", "Microsoft.NET.Sdk", "analyzers");
        var loader = new AnalyzerAssemblyLoader();
        var analyzers = new[] { "Microsoft.CodeAnalysis.NetAnalyzers.dll", "Microsoft.CodeAnalysis.CSharp.NetAnalyzers.dll" }
            .SelectMany(f => new AnalyzerFileReference(System.IO.Path.Combine(analyzersDirectory, f), loader).GetAnalyzers(LanguageNames.CSharp))
            .ToImmutableArray();
        var major = Environment.Version.Major;
        var recommended = System.IO.Path.Combine(analyzersDirectory, "build", "config", $"analysislevel_{major}_recommended.globalconfig");
        var editorConfig = RepositoryRoot.Combine(".editorconfig");
        var config = AnalyzerConfigSet.Create(ImmutableArray.Create(
            AnalyzerConfig.Parse(File.ReadAllText(recommended), recommended),
            AnalyzerConfig.Parse(File.ReadAllText(editorConfig), editorConfig)));
        return (analyzers, config);
    });

    private sealed class AnalyzerAssemblyLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public System.Reflection.Assembly LoadFromPath(string fullPath) => System.Reflection.Assembly.LoadFrom(fullPath);
    }

    /// <summary>The .editorconfig sections that match each file, as the build resolves them.</summary>
    private sealed class ConfigOptionsProvider(AnalyzerConfigSet config) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(config.GlobalConfigOptions.AnalyzerOptions);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) =>
            new Options(config.GetOptionsForSourcePath(System.IO.Path.Combine(FunctionsDirectory, tree.FilePath)).AnalyzerOptions);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => GlobalOptions;

        private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }

    private static PortableExecutableReference CompileStubs()
    {
        var directory = RepositoryRoot.Combine("tests", "LlmOps.Tests", "Functions", "WorkerApiStubs");
        var trees = Directory.EnumerateFiles(directory, "*.cs")
            .Select(p => CSharpSyntaxTree.ParseText(File.ReadAllText(p), Options.Parse, p));
        var compilation = CSharpCompilation.Create(
            "Microsoft.Azure.Functions.Worker",
            trees,
            PlatformReferences(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        if (!emitted.Success)
        {
            throw new InvalidOperationException("The worker API stubs do not compile:\n" + string.Join('\n', emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return MetadataReference.CreateFromImage(image.ToArray());
    }

    // What the Functions project really references: the shared frameworks it names (Microsoft.NETCore.App and, by its
    // FrameworkReference, Microsoft.AspNetCore.App), and LlmOps with everything LlmOps references in turn. Not the
    // test process's own assemblies (xunit, Roslyn, Playwright...), which the app would not have.
    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(() =>
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var framework = platform.Where(p => p.Contains($"shared{System.IO.Path.DirectorySeparatorChar}Microsoft.NETCore.App", StringComparison.Ordinal)
            || p.Contains($"shared{System.IO.Path.DirectorySeparatorChar}Microsoft.AspNetCore.App", StringComparison.Ordinal)).ToList();
        var frameworkNames = framework.Select(System.IO.Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var closure = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>([System.IO.Path.Combine(AppContext.BaseDirectory, "LlmOps.dll")]);
        while (pending.TryPop(out var path))
        {
            if (!closure.TryAdd(System.IO.Path.GetFileNameWithoutExtension(path), path))
            {
                continue;
            }

            using var stream = File.OpenRead(path);
            using var reader = new System.Reflection.PortableExecutable.PEReader(stream);
            var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(reader);
            foreach (var handle in metadata.AssemblyReferences)
            {
                var name = metadata.GetString(metadata.GetAssemblyReference(handle).Name);
                var file = System.IO.Path.Combine(AppContext.BaseDirectory, name + ".dll");
                if (!frameworkNames.Contains(name) && !closure.ContainsKey(name) && File.Exists(file))
                {
                    pending.Push(file);
                }
            }
        }

        return [.. framework.Concat(closure.Values).Select(p => MetadataReference.CreateFromFile(p))];
    });

    private static IEnumerable<MetadataReference> PlatformReferences() => References.Value;

    private static class Options
    {
        public static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);
    }
}
