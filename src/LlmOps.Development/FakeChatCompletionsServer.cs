using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmOps.Development;

/// <summary>
/// A loopback server speaking the Azure OpenAI chat-completions REST protocol (POST
/// /openai/deployments/{deployment}/chat/completions?api-version=..., api-key header, errors as {"error": {...}},
/// usage with cached prompt tokens and reasoning tokens), for tests and benchmarks on a machine that cannot reach Azure.
/// Deterministic answers: a judge prompt (one containing "Rate the answer") gets JSON scores (relevance from a
/// <c>score=N</c> marker in the prompt, else 4); any other prompt gets its first retrieved chunk (<c>[id] text</c>)
/// back, cited. "FILTER-PROMPT" in a prompt is refused by the content filter (400, code content_filter),
/// "FILTER-ANSWER" gets a 200 whose finish_reason is content_filter. <see cref="ThrottleNext"/> scripts 429s with
/// Retry-After; <see cref="Latency"/> delays every answer.
/// </summary>
public sealed partial class FakeChatCompletionsServer : IAsyncDisposable
{
    public const string ApiKey = "test-chat-key";
    public const int CachedPromptTokens = 16;
    public const int ReasoningTokens = 3;
    private readonly WebApplication _app;
    private int _throttle;
    private int _retryAfterSeconds;
    private int _completed;
    private int _throttled;

    private FakeChatCompletionsServer(WebApplication app, TimeSpan latency)
    {
        _app = app;
        Latency = latency;
    }

    public Uri Endpoint { get; private set; } = null!;

    public TimeSpan Latency { get; set; }

    /// <summary>Answers given (200s).</summary>
    public int Completed => Volatile.Read(ref _completed);

    /// <summary>Requests refused with 429.</summary>
    public int Throttled => Volatile.Read(ref _throttled);

    /// <summary>When each throttled request and each retry arrived (for Retry-After checks): deployment, status, time since start.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(int Status, TimeSpan At)> Log { get; } = new();

    public static async Task<FakeChatCompletionsServer> StartAsync(TimeSpan latency = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeChatCompletionsServer(app, latency);
        var clock = Stopwatch.StartNew();
        app.MapPost("/openai/deployments/{deployment}/chat/completions", (RequestDelegate)(context =>
            server.HandleAsync(context, context.Request.RouteValues["deployment"]?.ToString() ?? "", clock)));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>The next <paramref name="count"/> requests get 429 with Retry-After: <paramref name="retryAfterSeconds"/>.</summary>
    public void ThrottleNext(int count, int retryAfterSeconds)
    {
        _retryAfterSeconds = retryAfterSeconds;
        Volatile.Write(ref _throttle, count);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context, string deployment, Stopwatch clock)
    {
        if (context.Request.Headers["api-key"] != ApiKey)
        {
            await ErrorAsync(context, 401, "401", "Access denied due to invalid subscription key or wrong API endpoint.");
            return;
        }

        if (string.IsNullOrEmpty(context.Request.Query["api-version"]))
        {
            await ErrorAsync(context, 404, "404", "Resource not found");
            return;
        }

        var body = await JsonNode.ParseAsync(context.Request.Body);
        if (Interlocked.Decrement(ref _throttle) >= 0)
        {
            Interlocked.Increment(ref _throttled);
            Log.Enqueue((429, clock.Elapsed));
            context.Response.Headers["Retry-After"] = _retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await ErrorAsync(context, 429, "429", "Requests to the ChatCompletions_Create Operation have exceeded call rate limit. Please retry after 1 second.");
            return;
        }

        Log.Enqueue((200, clock.Elapsed));
        var prompt = string.Join("\n", (body?["messages"] as JsonArray ?? []).Select(m => Text(m?["content"])));
        if (prompt.Contains("FILTER-PROMPT", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                error = new
                {
                    message = "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
                    type = (string?)null,
                    param = "prompt",
                    code = "content_filter",
                    status = 400,
                    innererror = new { code = "ResponsibleAIPolicyViolation", content_filter_result = new { jailbreak = new { filtered = true, detected = true } } },
                },
            }));
            return;
        }

        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency, context.RequestAborted);
        }

        var filtered = prompt.Contains("FILTER-ANSWER", StringComparison.Ordinal);
        var answer = filtered ? "" : Answer(prompt);
        var promptTokens = Math.Max(CachedPromptTokens, prompt.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length);
        var completionTokens = answer.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length + ReasoningTokens;
        Interlocked.Increment(ref _completed);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject
        {
            ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N")[..12],
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = deployment,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = answer },
                ["finish_reason"] = filtered ? "content_filter" : "stop",
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
                ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = CachedPromptTokens },
                ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = ReasoningTokens },
            },
        }.ToJsonString());
    }

    private static string Answer(string prompt)
    {
        if (prompt.Contains("Rate the answer", StringComparison.Ordinal))
        {
            var marker = Score().Match(prompt);
            var relevance = marker.Success ? int.Parse(marker.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 4;
            return $$"""{"relevance": {{relevance}}, "groundedness": 4, "coherence": 5}""";
        }

        var chunk = Chunk().Match(prompt);
        return chunk.Success ? $"{chunk.Groups[2].Value.Trim()} [{chunk.Groups[1].Value}]" : "I don't know.";
    }

    private static string Text(JsonNode? content) => content switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonArray parts => string.Join("\n", parts.Select(p => p?["text"]?.GetValue<string>() ?? "")),
        _ => "",
    };

    private static async Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { error = new { code, message, param = (string?)null, type = (string?)null } }));
    }

    [GeneratedRegex(@"score=([1-5])", RegexOptions.CultureInvariant)]
    private static partial Regex Score();

    [GeneratedRegex(@"\[([^\[\]\s]+#[0-9]+)\] ([^\n]+)", RegexOptions.CultureInvariant)]
    private static partial Regex Chunk();
}
