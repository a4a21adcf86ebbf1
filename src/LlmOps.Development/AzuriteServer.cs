using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Core.Pipeline;
using LlmOps.Storage;

namespace LlmOps.Development;

/// <summary>
/// One Azurite, the single way the CLI, the demo and the tests get local storage: installs Azurite from the
/// lockfile when it is missing, starts its blob, queue and table services as node processes (node directly, so
/// the PIDs held are node's) on free loopback ports, waits until the services answer, and stops only the processes
/// it started. The blob service's access log is read, not kept: each blob write it reports goes to the callbacks of
/// <see cref="WatchBlobWrites"/>.
/// </summary>
public sealed partial class AzuriteServer : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";

    // The emulator's well-known development key (public, documented by Microsoft).
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Present once Azurite is installed.</summary>
    private const string EntryPoint = "node_modules/azurite/dist/src/azurite.js";

    /// <summary>
    /// Each service in a node process of its own: Azurite serves a process's requests on one thread, so the blob
    /// service's uploads, listings and lookups no longer wait behind the table's receipts and the queues' messages
    /// (with one process for the three, the local host's receipts took as much of that thread as the uploads did).
    /// </summary>
    private static readonly (string Name, string EntryPoint)[] Services =
    [
        ("Blob", "node_modules/azurite/dist/src/blob/main.js"),
        ("Queue", "node_modules/azurite/dist/src/queue/main.js"),
        ("Table", "node_modules/azurite/dist/src/table/main.js"),
    ];

    private readonly Process[] _processes;
    private readonly StringBuilder _output;
    private readonly BlobWriteWatchers _blobWrites;
    private int _stopped;

    private AzuriteServer(Process[] processes, StringBuilder output, BlobWriteWatchers blobWrites, Uri blob, Uri queue, Uri table, HttpPipelineTransport? transport)
    {
        _processes = processes;
        _output = output;
        _blobWrites = blobWrites;
        BlobEndpoint = blob;
        QueueEndpoint = queue;
        TableEndpoint = table;
        Transport = transport;
        ConnectionString =
            $"DefaultEndpointsProtocol={blob.Scheme};AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint={blob};QueueEndpoint={queue};TableEndpoint={table};";
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public Uri BlobEndpoint { get; }

    public Uri QueueEndpoint { get; }

    public Uri TableEndpoint { get; }

    public string ConnectionString { get; }

    /// <summary>With a TLS certificate: an HTTP transport that trusts exactly that certificate; null over plain HTTP.</summary>
    public HttpPipelineTransport? Transport { get; }

    /// <summary>The node processes of the blob, queue and table services.</summary>
    public IReadOnlyList<int> ProcessIds => [.. _processes.Select(p => p.Id)];

    /// <summary>Whether any of the three services has exited.</summary>
    public bool HasExited => _processes.Any(p => p.HasExited);

    /// <summary>CPU time the emulator's three processes have used so far (user and system), for benchmarks that share the machine's cores with it.</summary>
    public TimeSpan ProcessorTime => _processes.Aggregate(TimeSpan.Zero, (sum, process) =>
    {
        process.Refresh();
        return sum + process.TotalProcessorTime;
    });

    private static readonly string[] SetsidPaths = ["/usr/bin/setsid", "/bin/setsid"];

    public static async Task<AzuriteServer> StartAsync(AzuriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AzuriteOptions();
        var progress = options.Progress ?? (_ => { });
        var root = options.ToolRoot ?? FindToolRoot()
            ?? throw new InvalidOperationException(
                "Cannot find the LlmOps package.json that pins Azurite. Run from the repository (or a folder under it), or set AzuriteOptions.ToolRoot / LLMOPS_TOOL_ROOT.");
        var entry = Path.Combine(root, EntryPoint);
        if (!File.Exists(entry))
        {
            await InstallAsync(root, options.InstallTimeout, progress, cancellationToken);
        }

        var common = new List<string> { "--skipApiVersionCheck", "--disableTelemetry" };
        if (options.DataLocation is null)
        {
            common.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(options.DataLocation);
            common.Add("--location");
            common.Add(Path.GetFullPath(options.DataLocation));
        }

        if ((options.TlsCertificatePath is null) != (options.TlsKeyPath is null) || (options.OAuth && options.TlsCertificatePath is null))
        {
            throw new ArgumentException("HTTPS needs both TlsCertificatePath and TlsKeyPath, and OAuth needs HTTPS.", nameof(options));
        }

        if (options.TlsCertificatePath is { } certificatePath)
        {
            common.AddRange(["--cert", Path.GetFullPath(certificatePath), "--key", Path.GetFullPath(options.TlsKeyPath!)]);
        }

        if (options.OAuth)
        {
            common.AddRange(["--oauth", "basic"]);
        }

        progress("Starting Azurite (storage emulator)...");
        var output = new StringBuilder();
        var blobWrites = new BlobWriteWatchers();
        // The ports are chosen here, so they are known; the services' own lines say only when each listens.
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        var listening = new HashSet<string>(StringComparer.Ordinal);
        var allListening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processes = new List<Process>(Services.Length);
        // Each in a session of its own (setsid execs node in place, so the PID is still node's): a terminal's Ctrl+C goes
        // to the foreground process group, and must reach the host, which stops first and then stops Azurite.
        var setsid = OperatingSystem.IsWindows() ? null : SetsidPaths.FirstOrDefault(File.Exists);
        try
        {
            foreach (var service in Services)
            {
                var port = service.Name switch
                {
                    "Blob" => options.BlobPort,
                    "Queue" => options.QueuePort,
                    _ => options.TablePort,
                };
                // The table service alone prints the port it was given, not the one it got: a free one is picked here.
                port = ports[service.Name] = port == 0 ? FreeLoopbackPort() : port;
                // The blob service keeps its access log (read for blob writes); the others run silent.
                var accessLog = service.Name == "Blob";
                string[] own = accessLog ? [] : ["--silent"];
                processes.Add(StartService(service, [.. common, .. own, $"--{service.Name.ToLowerInvariant()}Host", "127.0.0.1", $"--{service.Name.ToLowerInvariant()}Port", port.ToString(CultureInfo.InvariantCulture)], accessLog));
            }

            await allListening.Task.WaitAsync(options.StartTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            KillAll(processes);
            throw new TimeoutException($"Azurite did not listen within {options.StartTimeout.TotalSeconds:0} s:{Environment.NewLine}{Snapshot(output)}");
        }
        catch
        {
            KillAll(processes);
            throw;
        }

        Process StartService((string Name, string EntryPoint) service, IEnumerable<string> arguments, bool accessLog)
        {
            var startInfo = new ProcessStartInfo(setsid ?? "node")
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (setsid is not null)
            {
                startInfo.ArgumentList.Add("node");
            }

            startInfo.ArgumentList.Add("--require");
            startInfo.ArgumentList.Add(Watchdog.Value);
            startInfo.ArgumentList.Add(Path.Combine(root, service.EntryPoint));
            foreach (var argument in arguments)
            {
                startInfo.ArgumentList.Add(argument);
            }

            var process = Start(startInfo, "Azurite needs Node.js: 'node' was not found on PATH. Install Node 20 or later.");

            void OnLine(string? line)
            {
                if (line is null)
                {
                    return;
                }

                if (accessLog && AccessLogLine().IsMatch(line))
                {
                    // One line per request: read for blob writes, not kept (a long run would fill memory with them).
                    if (TryParseBlobWrite(line, out var container, out var blob))
                    {
                        blobWrites.Report(container, blob);
                    }

                    return;
                }

                lock (output)
                {
                    output.AppendLine(line);
                    var match = ListeningLine().Match(line);
                    if (match.Success)
                    {
                        listening.Add(match.Groups[1].Value);
                        if (listening.Count == Services.Length)
                        {
                            allListening.TrySetResult();
                        }
                    }
                }
            }

            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            process.EnableRaisingEvents = true;
            process.Exited += (_, _) =>
            {
                // Exited can fire before the last lines are read (Node's EADDRINUSE among them): wait for both streams' end.
                process.WaitForExit();
                allListening.TrySetException(new InvalidOperationException(
                    $"Azurite's {service.Name} service exited with code {SafeExitCode(process)} before it listened:{Environment.NewLine}{Snapshot(output)}"));
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }

        var scheme = options.TlsCertificatePath is null ? "http" : "https";
        Uri Endpoint(string service) => new($"{scheme}://127.0.0.1:{ports[service]}/{AccountName}");
        var server = new AzuriteServer([.. processes], output, blobWrites, Endpoint("Blob"), Endpoint("Queue"), Endpoint("Table"), TrustOnly(options.TlsCertificatePath));
        try
        {
            await server.WaitUntilAnsweringAsync(options.StartTimeout, cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        progress($"Azurite is listening: blob {server.BlobEndpoint}, queue {server.QueueEndpoint}, table {server.TableEndpoint}");
        return server;
    }

    /// <summary>
    /// Calls <paramref name="onWrite"/> with the container and name of each blob Azurite reports created or replaced
    /// from now on (a Put Blob, Put Block List or Copy Blob that succeeded, in its access log), until the returned
    /// handle is disposed. `llmops up` feeds the local host's blob triggers with it, as Event Grid does in Azure.
    /// </summary>
    public IDisposable WatchBlobWrites(Action<string, string> onWrite) => _blobWrites.Add(onWrite);

    /// <summary>
    /// Whether an access log line of Azurite (morgan's common format) reports a blob of this account created or
    /// replaced: a PUT answered 201 or 202 on a blob path, with no <c>restype</c> (a container) and no <c>comp</c> but
    /// <c>blocklist</c> (a staged block, metadata, a lease or a snapshot changes no content, or not yet).
    /// </summary>
    public static bool TryParseBlobWrite(string line, out string container, out string blob)
    {
        ArgumentNullException.ThrowIfNull(line);
        container = blob = "";
        var match = AccessLogLine().Match(line);
        if (!match.Success || match.Groups["method"].Value != "PUT" || match.Groups["status"].Value is not ("201" or "202"))
        {
            return false;
        }

        var url = match.Groups["url"].Value;
        var queryStart = url.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? url : url[..queryStart];
        var query = queryStart < 0 ? "" : url[(queryStart + 1)..];
        foreach (var parameter in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            if (parameter.StartsWith("restype=", StringComparison.OrdinalIgnoreCase) ||
                (parameter.StartsWith("comp=", StringComparison.OrdinalIgnoreCase) && !parameter.Equals("comp=blocklist", StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }
        }

        const string AccountPath = "/" + AccountName + "/";
        if (!path.StartsWith(AccountPath, StringComparison.Ordinal))
        {
            return false;
        }

        var slash = path.IndexOf('/', AccountPath.Length);
        if (slash <= AccountPath.Length || slash == path.Length - 1)
        {
            return false;
        }

        container = Uri.UnescapeDataString(path[AccountPath.Length..slash]);
        blob = Uri.UnescapeDataString(path[(slash + 1)..]);
        return true;
    }

    /// <summary>The callbacks of <see cref="WatchBlobWrites"/>; called on the thread that reads Azurite's output.</summary>
    private sealed class BlobWriteWatchers
    {
        private readonly Lock _gate = new();
        private Action<string, string>[] _watchers = [];

        public IDisposable Add(Action<string, string> onWrite)
        {
            ArgumentNullException.ThrowIfNull(onWrite);
            lock (_gate)
            {
                _watchers = [.. _watchers, onWrite];
            }

            return new Unwatch(this, onWrite);
        }

        public void Report(string container, string blob)
        {
            foreach (var watcher in Volatile.Read(ref _watchers))
            {
                watcher(container, blob);
            }
        }

        private void Remove(Action<string, string> onWrite)
        {
            lock (_gate)
            {
                _watchers = [.. _watchers.Where(w => w != onWrite)];
            }
        }

        private sealed class Unwatch(BlobWriteWatchers watchers, Action<string, string> onWrite) : IDisposable
        {
            public void Dispose() => watchers.Remove(onWrite);
        }
    }

    /// <summary>Starts a tool, with <paramref name="notFound"/> as the error when it is not on PATH.</summary>
    private static Process Start(ProcessStartInfo startInfo, string notFound)
    {
        try
        {
            return Process.Start(startInfo) ?? throw new InvalidOperationException($"{startInfo.FileName} did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(notFound, ex);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static HttpClientTransport? TrustOnly(string? certificatePath)
    {
        if (certificatePath is null)
        {
            return null;
        }

        var pem = File.ReadAllText(certificatePath);
        var fields = PemEncoding.Find(pem);
        using var trusted = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(pem[fields.Base64Data]));
        var thumbprint = trusted.Thumbprint;
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None || string.Equals(certificate?.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase),
        };
        return new HttpClientTransport(handler);
    }

    /// <summary>The folder holding the package.json that pins Azurite, searched from the working and app folders up.</summary>
    public static string? FindToolRoot()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("LLMOPS_TOOL_ROOT");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var packageJson = Path.Combine(dir.FullName, "package.json");
                if (File.Exists(Path.Combine(dir.FullName, "package-lock.json")) && File.Exists(packageJson) &&
                    File.ReadAllText(packageJson).Contains("\"azurite\"", StringComparison.Ordinal))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>Stops Azurite: SIGINT first so each service closes its files (the table service handles no SIGTERM), then kill if it lingers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await Task.WhenAll(_processes.Select(StopAsync));
        foreach (var process in _processes)
        {
            process.Dispose();
        }
    }

    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        if (!OperatingSystem.IsWindows() && NativeMethods.Kill(process.Id, 2) == 0)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                // It ignored SIGINT; kill below.
            }
        }

        Kill(process);
    }

    /// <summary>What Azurite printed so far, for error reports.</summary>
    public string Output => Snapshot(_output);

    private async Task WaitUntilAnsweringAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var account = new StorageAccount(ConnectionString, transport: Transport);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await account.Blobs.GetBlobContainersAsync(cancellationToken: cancellationToken).AsPages(pageSizeHint: 1).GetAsyncEnumerator(cancellationToken).MoveNextAsync();
                return;
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    private static async Task InstallAsync(string root, TimeSpan timeout, Action<string> progress, CancellationToken cancellationToken)
    {
        // Several test processes (and several servers in one) may start at once: one installs, the others wait for
        // it. The lock lives outside node_modules, which npm ci deletes and recreates: a lock file inside it vanished
        // under its holder, and a second install then ran beside the first.
        var rootHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(root))))[..16];
        var lockPath = Path.Combine(Path.GetTempPath(), $"llmops-azurite-install-{rootHash}.lock");
        var deadline = DateTime.UtcNow + timeout;
        FileStream? installLock = null;
        while (installLock is null)
        {
            try
            {
                installLock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken);
            }
        }

        await using (installLock)
        {
            if (File.Exists(Path.Combine(root, EntryPoint)))
            {
                return;
            }

            progress("Installing Azurite from package-lock.json (npm ci, once)...");
            var startInfo = new ProcessStartInfo("npm")
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
            {
                startInfo.ArgumentList.Add(argument);
            }

            var npm = Start(startInfo, "Installing Azurite needs npm on PATH (it comes with Node.js 20 or later).");

            using (npm)
            {
                var stdout = npm.StandardOutput.ReadToEndAsync(cancellationToken);
                var stderr = npm.StandardError.ReadToEndAsync(cancellationToken);
                using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeoutSource.CancelAfter(timeout);
                try
                {
                    await npm.WaitForExitAsync(timeoutSource.Token);
                }
                catch (OperationCanceledException)
                {
                    Kill(npm);
                    throw new TimeoutException($"npm ci did not finish within {timeout.TotalMinutes:0} minutes.");
                }

                if (npm.ExitCode != 0 || !File.Exists(Path.Combine(root, EntryPoint)))
                {
                    throw new InvalidOperationException(
                        $"npm ci failed with exit code {npm.ExitCode} in {root}:{Environment.NewLine}{await stdout}{await stderr}");
                }
            }

            progress("Azurite installed.");
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => KillAll(_processes);

    /// <summary>Kills every service at once, then waits for each (one at a time, a process exit could run out of time after the first).</summary>
    private static void KillAll(IEnumerable<Process> processes)
    {
        var list = processes.ToList();
        foreach (var process in list)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        foreach (var process in list)
        {
            Kill(process);
        }
    }

    /// <summary>
    /// A script each Azurite service loads first (node --require): it exits the service once the process that started
    /// it is gone, however that process ended (SIGKILL, a crash, a test host torn down), so no service outlives its
    /// owner. Each service runs in a session of its own, so nothing else would stop it.
    /// </summary>
    private static readonly Lazy<string> Watchdog = new(() =>
    {
        const string script = """
            // Written by LlmOps: exit when the process that started this Azurite service is gone.
            const parent = process.ppid;
            setInterval(() => { if (process.ppid !== parent) { process.exit(0); } }, 500).unref();
            """;
        var path = Path.Combine(Path.GetTempPath(), $"llmops-azurite-watchdog-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(script)))[..12]}.js");
        if (!File.Exists(path))
        {
            var temporary = path + "." + Guid.NewGuid().ToString("N");
            File.WriteAllText(temporary, script);
            File.Move(temporary, path, overwrite: true);
        }

        return path;
    });

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    [GeneratedRegex("""^\S+ - \S+ \[[^\]]*\] "(?<method>[A-Z]+) (?<url>\S+) HTTP/[0-9.]+" (?<status>\d{3}) """)]
    private static partial Regex AccessLogLine();

    [GeneratedRegex(@"Azurite (Blob|Queue|Table) service (?:successfully listens on https?://|successfully started on )[^:]+:(\d+)")]
    private static partial Regex ListeningLine();

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int Kill(int pid, int signal);
    }
}
