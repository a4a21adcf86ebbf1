namespace LlmOps;

/// <summary>The dotnet host that starts child .NET processes (a notebook run, the Functions worker).</summary>
public static class DotnetHost
{
    /// <summary>The host the SDK names for child processes, else the one running this process, else the one on PATH.</summary>
    public static string Path { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";
}
