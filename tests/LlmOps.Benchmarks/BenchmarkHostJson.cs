namespace LlmOps.Benchmarks;

/// <summary>A host.json of its own for a benchmark host: the repository's, with another blobs.maxDegreeOfParallelism.</summary>
internal static class BenchmarkHostJson
{
    /// <summary>Writes (once per degree) a host.json with that parallelism and returns its path, for LlmOps:Host:HostJsonPath.</summary>
    public static async Task<string> WithBlobParallelismAsync(int degree)
    {
        var path = Path.Combine(Path.GetTempPath(), $"llmops-bench-host-{degree}.json");
        await File.WriteAllTextAsync(path, $$"""{ "version": "2.0", "extensions": { "blobs": { "maxDegreeOfParallelism": {{degree}} } } }""");
        return path;
    }
}
