using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;

namespace LlmOps.Client;

/// <summary>
/// Exports finished spans to LlmOps' OTLP receiver (<c>/api/v1/traces</c>, protobuf, with the key) through the
/// OpenTelemetry OTLP exporter, every flush interval off the request path. A failed export keeps its spans and the
/// next tick tries them again, so spans made while LlmOps is down arrive once it is back (the receiver is idempotent
/// on span ids); beyond the buffer's capacity the oldest are dropped and counted.
/// </summary>
internal sealed class SpanExporter : IDisposable
{
    private const int MaxBatch = 512;

    private readonly OtlpTraceExporter _exporter;
    private readonly ConcurrentQueue<Activity> _finished = new();
    private readonly List<Activity> _pending = [];
    private readonly SemaphoreSlim _exporting = new(1, 1);
    private readonly Timer _timer;
    private readonly int _capacity;
    private long _dropped;
    private long _exported;

    public SpanExporter(LlmOpsClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _capacity = options.MaxBufferedSpans;
        var otlp = new OtlpExporterOptions
        {
            Endpoint = new Uri(options.Endpoint!, "api/v1/traces"),
            Protocol = OtlpExportProtocol.HttpProtobuf,
            TimeoutMilliseconds = (int)options.Timeout.TotalMilliseconds,
        };
        if (options.Key is { Length: > 0 } key)
        {
            otlp.Headers = "x-functions-key=" + key;
        }

        if (options.HttpHandler is { } handler)
        {
            otlp.HttpClientFactory = () => new HttpClient(handler, disposeHandler: false) { Timeout = options.Timeout };
        }

        _exporter = new OtlpTraceExporter(otlp);
        _timer = new Timer(_ => _ = TryExportAsync(wait: false), null, options.FlushInterval, options.FlushInterval);
    }

    /// <summary>Spans waiting to be exported (finished and not yet sent, or sent and refused).</summary>
    public int Buffered => _finished.Count + _pending.Count;

    /// <summary>Spans dropped because the buffer was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Spans LlmOps accepted.</summary>
    public long Exported => Interlocked.Read(ref _exported);

    public void Add(Activity span) => _finished.Enqueue(span);

    /// <summary>A started GenAI span of <paramref name="operation"/> (<c>chat</c>, <c>embeddings</c>) for <paramref name="feature"/>, named as the conventions say.</summary>
    public static Activity Start(string operation, string? provider, string? model, string feature)
    {
        var span = new Activity(operation + (model is null ? "" : " " + model));
        span.SetIdFormat(ActivityIdFormat.W3C);
        span.Start();
        span.SetTag("gen_ai.operation.name", operation);
        span.SetTag("gen_ai.provider.name", provider);
        span.SetTag("gen_ai.request.model", model);
        span.SetTag("llmops.feature", feature);
        return span;
    }

    /// <summary>Exports what is buffered now (after an export already running, when <paramref name="wait"/>); true when nothing is left.</summary>
    public async Task<bool> TryExportAsync(bool wait = true)
    {
        if (!await _exporting.WaitAsync(wait ? System.Threading.Timeout.Infinite : 0))
        {
            return false;
        }

        try
        {
            while (_finished.TryDequeue(out var span))
            {
                _pending.Add(span);
            }

            if (_pending.Count > _capacity)
            {
                var over = _pending.Count - _capacity;
                _pending.RemoveRange(0, over);
                Interlocked.Add(ref _dropped, over);
            }

            while (_pending.Count > 0)
            {
                var count = Math.Min(MaxBatch, _pending.Count);
                var batch = _pending.GetRange(0, count).ToArray();
                // The exporter blocks on its HTTP call: keep it off the caller's thread.
                var result = await Task.Run(() => _exporter.Export(new Batch<Activity>(batch, count)));
                if (result != ExportResult.Success)
                {
                    return false;
                }

                _pending.RemoveRange(0, count);
                Interlocked.Add(ref _exported, count);
            }

            return _finished.IsEmpty;
        }
        finally
        {
            _exporting.Release();
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _exporting.Wait();
        _exporting.Release();
        _exporter.Shutdown(1000);
        _exporter.Dispose();
        _exporting.Dispose();
    }
}
