namespace LlmOps.Tests.Functions;

public sealed class FunctionsCompileCheckTests
{
    [Fact]
    public void FunctionsApp_CompilesAgainstWorkerApi_WithoutErrorsOrWarnings()
    {
        var (_, problems) = FunctionsCompileCheck.Compile(FunctionsCompileCheck.ReadFunctionSources());
        Assert.True(problems.IsEmpty, string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [InlineData("[BlobTrigger(", "[BlobTriger(", "CS0246")]
    [InlineData("BlobTriggerSource.EventGrid", "BlobTriggerSource.EventGird", "CS0117")]
    [InlineData("blob.GetPropertiesAsync(", "blob.GetPropertyAsync(", "CS1061")]
    public void AdapterWithTypo_FailsCompileCheck(string correct, string typo, string expectedError)
    {
        var sources = FunctionsCompileCheck.ReadFunctionSources().ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        // The first adapter that has it (two blob adapters share the pattern).
        var file = sources.Where(s => s.Value.Contains(correct, StringComparison.Ordinal)).Select(s => s.Key).Order(StringComparer.Ordinal).First();
        sources[file] = sources[file].Replace(correct, typo, StringComparison.Ordinal);

        var (_, problems) = FunctionsCompileCheck.Compile(sources);

        Assert.Contains(problems, d => d.Id == expectedError && d.Location.SourceTree?.FilePath == file);
    }

    [Fact]
    public void AdapterMissingWorkerUsing_FailsCompileCheck()
    {
        var sources = FunctionsCompileCheck.ReadFunctionSources().ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        sources["HeartbeatFunction.cs"] = sources["HeartbeatFunction.cs"].Replace("using Microsoft.Azure.Functions.Worker;", "", StringComparison.Ordinal);
        var (_, problems) = FunctionsCompileCheck.Compile(sources);
        Assert.Contains(problems, d => d.Id == "CS0246" && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("TimerTrigger", StringComparison.Ordinal));
    }

    [Fact]
    public void WorkerApiAsItIs_HttpMethodsOnlyIsAnonymous_AuthLevelCannotBeSet_NoIsBatched_HostBuilderInternal()
    {
        var sources = FunctionsCompileCheck.ReadFunctionSources().ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        var file = sources.Single(s => s.Value.Contains("AuthorizationLevel.Function, \"get\", Route = \"runs\"", StringComparison.Ordinal)).Key;
        sources[file] = sources[file].Replace("AuthorizationLevel.Function, \"get\", Route = \"runs\"", "\"get\", Route = \"runs\"", StringComparison.Ordinal);
        var (compilation, problems) = FunctionsCompileCheck.Compile(sources);
        Assert.Empty(problems);
        Assert.Equal(LlmOps.Triggers.FunctionAuthLevel.Anonymous, FunctionAdapterReader.Read(compilation).Single(a => a.Target == "runs").AuthLevel);

        var misuses = new Dictionary<string, string>(sources, StringComparer.Ordinal)
        {
            ["Misuse.cs"] = """
                using Microsoft.Azure.Functions.Worker;
                internal static class Misuse
                {
                    internal static object Level() => new HttpTriggerAttribute("get") { AuthLevel = AuthorizationLevel.Function };
                    internal static object Batched() => new BlobInputAttribute("c/b") { IsBatched = true };
                    internal static object Host(Microsoft.Azure.Functions.Worker.Builder.FunctionsApplicationBuilder builder) => builder.HostBuilder;
                }
                """,
        };
        var (_, errors) = FunctionsCompileCheck.Compile(misuses);
        Assert.Contains(errors, d => d.Id is "CS0200" or "CS0272"); // AuthLevel has no public setter
        Assert.Contains(errors, d => d.Id == "CS0117"); // no IsBatched
        Assert.Contains(errors, d => d.Id == "CS1061" || d.Id == "CS0122"); // HostBuilder is internal
    }

    [Fact]
    public void AdapterUsingAnAssemblyTheAppDoesNotReference_FailsCompileCheck()
    {
        var sources = new Dictionary<string, string>(FunctionsCompileCheck.ReadFunctionSources(), StringComparer.Ordinal)
        {
            ["TestOnly.cs"] = "internal static class TestOnly { internal static void Check() => Xunit.Assert.True(true); }",
        };
        var (_, problems) = FunctionsCompileCheck.Compile(sources);
        Assert.Contains(problems, d => d.Id is "CS0103" or "CS0246" or "CS0234" && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("Xunit", StringComparison.Ordinal));
    }

    [Fact]
    public void AdapterBreakingARepositoryAnalyzerRule_FailsCompileCheck()
    {
        var sources = new Dictionary<string, string>(FunctionsCompileCheck.ReadFunctionSources(), StringComparer.Ordinal)
        {
            // CA1305: culture-sensitive formatting without an IFormatProvider, which the build refuses as well.
            ["Culture.cs"] = "internal static class Culture { internal static string Show(double value) => value.ToString(\"F2\"); }",
        };
        var (_, problems) = FunctionsCompileCheck.Compile(sources);
        Assert.Contains(problems, d => d.Id == "CA1305");
    }
}
