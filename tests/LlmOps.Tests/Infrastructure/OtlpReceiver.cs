using LlmOps.Feedback.Otlp;

namespace LlmOps.Tests.Infrastructure;

/// <summary>
/// An OTLP/HTTP collector on loopback for what other processes export: every span posted to /v1/traces (protobuf),
/// read with the product's own OTLP reader; metric exports are acknowledged and counted.
/// </summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly LockedCollection<OtlpSpan> _spans = new();
    private readonly LoopbackHttpServer _server;
    private int _metricExports;

    public OtlpReceiver() => _server = new LoopbackHttpServer(Receive);

    public Uri Endpoint => _server.Endpoint;

    public List<OtlpSpan> Spans => _spans.Snapshot();

    public int MetricExports => Volatile.Read(ref _metricExports);

    public void Dispose() => _server.Dispose();

    private Task<int> Receive(System.Net.HttpListenerContext context, byte[] body)
    {
        if (context.Request.Url?.AbsolutePath == "/v1/traces")
        {
            foreach (var span in OtlpTraceReader.Read(body, json: false))
            {
                _spans.Add(span);
            }
        }
        else if (context.Request.Url?.AbsolutePath == "/v1/metrics")
        {
            Interlocked.Increment(ref _metricExports);
        }

        return Task.FromResult(200);
    }
}
