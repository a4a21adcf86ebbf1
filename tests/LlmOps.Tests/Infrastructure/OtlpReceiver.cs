using System.Net;
using System.Net.Sockets;
using LlmOps.Feedback.Otlp;

namespace LlmOps.Tests.Infrastructure;

/// <summary>
/// An OTLP/HTTP collector on loopback for what other processes export: every span posted to /v1/traces (protobuf),
/// read with the product's own OTLP reader; metric exports are acknowledged and counted.
/// </summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly LockedCollection<OtlpSpan> _spans = new();
    private readonly Task _serving;
    private int _metricExports;

    public OtlpReceiver()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
        }

        _listener.Prefixes.Add(Endpoint.AbsoluteUri);
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public Uri Endpoint { get; }

    public List<OtlpSpan> Spans => _spans.Snapshot();

    public int MetricExports => Volatile.Read(ref _metricExports);

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _ = _serving.ContinueWith(t => t.Exception, TaskScheduler.Default);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (context.Request.Url?.AbsolutePath == "/v1/traces")
            {
                foreach (var span in OtlpTraceReader.Read(body.ToArray(), json: false))
                {
                    _spans.Add(span);
                }
            }
            else if (context.Request.Url?.AbsolutePath == "/v1/metrics")
            {
                Interlocked.Increment(ref _metricExports);
            }

            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}
