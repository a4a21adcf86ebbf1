namespace LlmOps.Tests.Infrastructure;

/// <summary>The checkout the tests run from, found by walking up to Serverless.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Serverless.sln above {AppContext.BaseDirectory}.");
    }
}
