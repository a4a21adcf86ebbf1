namespace LlmOps.Development;

/// <summary>How to start the local storage emulator.</summary>
public sealed class AzuriteOptions
{
    /// <summary>Folder for Azurite's data; null keeps everything in memory (tests, the demo).</summary>
    public string? DataLocation { get; set; }

    /// <summary>Folder holding package.json and package-lock.json; null searches up from the working and app folders.</summary>
    public string? ToolRoot { get; set; }

    /// <summary>Fixed ports, or 0 for free loopback ports chosen by the OS.</summary>
    public int BlobPort { get; set; }

    public int QueuePort { get; set; }

    public int TablePort { get; set; }

    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan InstallTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A PEM certificate and key to serve HTTPS with (both or neither). The server then trusts exactly this
    /// certificate in <see cref="AzuriteServer.Transport"/>, for clients of a self-signed test setup.
    /// </summary>
    public string? TlsCertificatePath { get; set; }

    public string? TlsKeyPath { get; set; }

    /// <summary>Accept Microsoft Entra bearer tokens (<c>--oauth basic</c>: lifetime, issuer and audience are checked, the signature is not); needs HTTPS.</summary>
    public bool OAuth { get; set; }

    /// <summary>Receives progress lines (installing, starting, listening).</summary>
    public Action<string>? Progress { get; set; }
}
