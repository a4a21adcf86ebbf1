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
        var file = sources.Single(s => s.Value.Contains(correct, StringComparison.Ordinal)).Key;
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
}
