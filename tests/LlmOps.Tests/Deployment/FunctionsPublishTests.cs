using System.Diagnostics;
using System.Text.Json;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;

namespace LlmOps.Tests.Deployment;

/// <summary>The Functions app published as azd deploys it: linux-x64 (what Flex Consumption runs), the shared runtime.</summary>
public sealed class FunctionsPublishTests
{
    [Fact]
    public async Task Publish_ForLinuxX64_HasEveryFunctionAndOnlyLinuxNatives()
    {
        var output = Directory.CreateTempSubdirectory("llmops-publish-");
        try
        {
            var start = new ProcessStartInfo("dotnet", ["publish", RepositoryRoot.Combine("functions", "LlmOps.Functions"), "-c", "Release", "-o", output.FullName, "-nologo"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var publish = Process.Start(start)!;
            var log = publish.StandardOutput.ReadToEndAsync();
            var errors = publish.StandardError.ReadToEndAsync();
            await publish.WaitForExitAsync();
            Assert.True(publish.ExitCode == 0, await log + await errors);

            using var metadata = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.FullName, "functions.metadata")));
            Assert.Equal(TriggerCatalog.All.Select(f => f.Name).Order(StringComparer.Ordinal), metadata.RootElement.EnumerateArray().Select(f => f.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
            Assert.True(File.Exists(Path.Combine(output.FullName, "extensions.json")));
            Assert.True(File.Exists(Path.Combine(output.FullName, "libduckdb.so")), "the linux-x64 native library is missing");
            Assert.False(Directory.Exists(Path.Combine(output.FullName, "runtimes")), "natives of other platforms were published");
            var files = output.EnumerateFiles("*", SearchOption.AllDirectories).ToList();
            Assert.DoesNotContain(files, f => f.Extension is ".dylib" || (f.Extension == ".dll" && IsNative(f)));
            var megabytes = files.Sum(f => f.Length) / 1e6;
            Assert.True(megabytes < 250, $"the package is {megabytes:F0} MB");
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    /// <summary>A Windows native DLL (PE without a CLI header) rather than a managed assembly.</summary>
    private static bool IsNative(FileInfo file)
    {
        using var stream = file.OpenRead();
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        return pe.PEHeaders.CorHeader is null;
    }
}
