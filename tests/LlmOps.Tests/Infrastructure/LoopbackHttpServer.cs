using System.Net;
using System.Net.Sockets;

namespace LlmOps.Tests.Infrastructure;

/// <summary>An HTTP server on a free loopback port that hands every request and its body to <paramref name="handle"/>, whose answer is the status code.</summary>
public sealed class LoopbackHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    public LoopbackHttpServer(Func<HttpListenerContext, byte[], Task<int>> handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
        }

        _listener.Prefixes.Add(Endpoint.AbsoluteUri);
        _listener.Start();
        _serving = Task.Run(async () =>
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
                context.Response.StatusCode = await handle(context, body.ToArray());
                context.Response.Close();
            }
        });
    }

    public Uri Endpoint { get; }

    public void Dispose()
    {
        _listener.Close();
        _ = _serving.ContinueWith(t => t.Exception, TaskScheduler.Default);
    }
}
