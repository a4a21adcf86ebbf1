using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LlmOps.Guardrails;
using LlmOps.Registry;

namespace LlmOps.Client;

/// <summary>
/// The prompt a deployment serves, as <c>GET /api/prompts/{name}/resolve</c> (without a unit: the stable deployment
/// and its canary, routed here by <see cref="TrafficSplit.Bucket"/>) answers it. Fetched once, then revalidated with its
/// ETag when older than the refresh interval, off the request path: a call never waits for LlmOps once a version is
/// known, and keeps the last one while LlmOps is unreachable. The guard is rebuilt only when the answer changes.
/// </summary>
internal sealed class PromptSource(HttpClient http, LlmOpsClientOptions options, TimeProvider clock) : IDisposable
{
    private readonly SemaphoreSlim _first = new(1, 1);
    private volatile Snapshot? _current;
    private DateTimeOffset _checked;
    private DateTimeOffset _failedAt = DateTimeOffset.MinValue;
    private int _refreshing;

    /// <summary>The current snapshot, or null when none was ever resolved and LlmOps cannot be reached now.</summary>
    public async ValueTask<Snapshot?> GetAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        var now = clock.GetUtcNow();
        if (current is not null)
        {
            if (now - _checked >= options.RefreshInterval && Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
            {
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await FetchAsync(CancellationToken.None);
                    }
                    finally
                    {
                        Volatile.Write(ref _refreshing, 0);
                    }
                }, CancellationToken.None);
            }

            return current;
        }

        // Nothing known yet: this call waits for the first answer, unless LlmOps failed a moment ago.
        if (now - _failedAt < options.RefreshInterval)
        {
            return null;
        }

        await _first.WaitAsync(cancellationToken);
        try
        {
            if (_current is null)
            {
                await FetchAsync(cancellationToken);
            }

            return _current;
        }
        finally
        {
            _first.Release();
        }
    }

    private async Task FetchAsync(CancellationToken cancellationToken)
    {
        var previous = _current;
        var name = options.Prompt!.StartsWith("prompt:", StringComparison.Ordinal) ? options.Prompt["prompt:".Length..] : options.Prompt;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.Endpoint!, $"api/prompts/{Uri.EscapeDataString(name)}/resolve?env={Uri.EscapeDataString(options.Environment)}"));
        if (previous?.ETag is { } etag)
        {
            request.Headers.IfNoneMatch.Add(etag);
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Timeout);
            using var response = await http.SendAsync(request, timeout.Token);
            if (response.StatusCode == HttpStatusCode.NotModified && previous is not null)
            {
                MarkChecked();
                return;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"resolve answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(timeout.Token)}", null, response.StatusCode);
            }

            var resolution = await response.Content.ReadFromJsonAsync<PromptResolution>(JsonSerializerOptions.Web, timeout.Token)
                ?? throw new HttpRequestException("resolve answered no body");
            _current = new Snapshot(resolution, response.Headers.ETag, resolution.Guardrails is { } policy ? new Guard(policy) : null);
            MarkChecked();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Keep the last version; try again after the refresh interval.
            _failedAt = clock.GetUtcNow();
            _checked = _failedAt;
            LastError = ex.Message;
        }
    }

    /// <summary>Why the last resolve failed.</summary>
    public string? LastError { get; private set; }

    private void MarkChecked()
    {
        _checked = clock.GetUtcNow();
        LastError = null;
    }

    public void Dispose() => _first.Dispose();

    /// <summary>One resolve answer with its ETag and the guard built from its policy.</summary>
    internal sealed record Snapshot(PromptResolution Resolution, EntityTagHeaderValue? ETag, Guard? Guard)
    {
        /// <summary>The deployment that answers <paramref name="unit"/>: the canary for units in its share.</summary>
        public PromptResolution Route(string unit) =>
            Resolution.Canary is { } canary && TrafficSplit.Bucket(unit) < Resolution.CanaryPercent ? canary : Resolution;
    }
}
