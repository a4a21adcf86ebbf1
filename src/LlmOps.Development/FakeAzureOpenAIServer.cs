using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmOps.Embeddings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LlmOps.Development;

/// <summary>
/// A loopback server that speaks the Azure OpenAI REST protocols this machine cannot reach, for tests and benchmarks
/// (api-key header or a Microsoft Entra bearer token, ?api-version=..., errors as {"error": {...}}):
/// <list type="bullet">
/// <item>embeddings (POST /openai/deployments/{deployment}/embeddings: float or base64 encoding, 2048 inputs at most),
/// with the local embedder's vectors, so results are checkable;</item>
/// <item>chat completions (POST /openai/deployments/{deployment}/chat/completions, usage with cached prompt tokens and
/// reasoning tokens), with deterministic answers: a judge prompt (one containing "Rate the answer") gets JSON scores
/// (relevance from a <c>score=N</c> marker in the prompt, else 4); any other prompt gets its first retrieved chunk
/// (<c>[id] text</c>) back, cited. "FILTER-PROMPT" in a prompt is refused by the content filter (400, code
/// content_filter), "FILTER-ANSWER" gets a 200 whose finish_reason is content_filter. <see cref="Latency"/> delays
/// every answer.</item>
/// </list>
/// <see cref="ThrottleNext"/> scripts 429s with Retry-After on either.
/// </summary>
public sealed partial class FakeAzureOpenAIServer : IAsyncDisposable
{
    public const string ApiKey = "test-key";
    public const int MaxInputs = 2048;
    public const int CachedPromptTokens = 16;
    public const int ReasoningTokens = 3;
    private readonly WebApplication _app;
    private int _throttle;
    private int _retryAfterSeconds;

    private FakeAzureOpenAIServer(WebApplication app) => _app = app;

    private int _completed;
    private int _throttled;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>How long each chat answer takes.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Chat answers given (200s).</summary>
    public int Completed => Volatile.Read(ref _completed);

    /// <summary>Chat requests refused with 429.</summary>
    public int Throttled => Volatile.Read(ref _throttled);

    /// <summary>Each chat request's status and arrival time since start (to check that Retry-After was honoured).</summary>
    public ConcurrentQueue<(int Status, TimeSpan At)> ChatLog { get; } = new();

    /// <summary>Every request seen, in arrival order.</summary>
    public ConcurrentQueue<(string Deployment, int Inputs, int Status, int? Dimensions, string Encoding, TimeSpan At)> Requests { get; } = new();

    public static async Task<FakeAzureOpenAIServer> StartAsync(TimeSpan chatLatency = default)
    {
        var app = LoopbackWebApp.Create();
        var server = new FakeAzureOpenAIServer(app) { Latency = chatLatency };
        var clock = Stopwatch.StartNew();
        app.MapPost("/openai/deployments/{deployment}/embeddings", (RequestDelegate)(context =>
            server.HandleAsync(context, context.Request.RouteValues["deployment"]?.ToString() ?? "", clock.Elapsed)));
        app.MapPost("/openai/deployments/{deployment}/chat/completions", (RequestDelegate)(context =>
            server.HandleChatAsync(context, context.Request.RouteValues["deployment"]?.ToString() ?? "", clock)));
        server.Endpoint = await LoopbackWebApp.StartAsync(app);
        return server;
    }

    /// <summary>The next <paramref name="count"/> requests get 429 with Retry-After: <paramref name="retryAfterSeconds"/>.</summary>
    public void ThrottleNext(int count, int retryAfterSeconds)
    {
        _retryAfterSeconds = retryAfterSeconds;
        Volatile.Write(ref _throttle, count);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>As Azure OpenAI takes Microsoft Entra tokens: a bearer JWT for the Cognitive Services audience, still valid (the signature is not checked here).</summary>
    private static bool IsEntraTokenForOpenAI(string authorization)
    {
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || authorization[7..].Split('.') is not [_, var payload, _])
        {
            return false;
        }

        var padded = payload.Replace('-', '+').Replace('_', '/');
        var claims = JsonNode.Parse(Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '=')));
        return claims?["aud"]?.GetValue<string>() == "https://cognitiveservices.azure.com"
            && claims["exp"]?.GetValue<long>() > DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    private async Task HandleAsync(HttpContext context, string deployment, TimeSpan at)
    {
        int? dimensions = null;
        if (context.Request.Headers["api-key"] != ApiKey && !IsEntraTokenForOpenAI(context.Request.Headers.Authorization.ToString()))
        {
            await ErrorAsync(401, "401", "Access denied due to invalid subscription key or wrong API endpoint.");
            return;
        }

        if (string.IsNullOrEmpty(context.Request.Query["api-version"]))
        {
            await ErrorAsync(404, "404", "Resource not found");
            return;
        }

        var body = await JsonNode.ParseAsync(context.Request.Body);
        var inputs = body?["input"] switch
        {
            JsonArray array => array.Select(n => n!.GetValue<string>()).ToList(),
            JsonValue single => [single.GetValue<string>()],
            _ => null,
        };
        dimensions = body?["dimensions"]?.GetValue<int>();
        var encoding = body?["encoding_format"]?.GetValue<string>() ?? "float";
        if (Interlocked.Decrement(ref _throttle) >= 0)
        {
            context.Response.Headers["Retry-After"] = _retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await ErrorAsync(429, "429", "Requests to the Embeddings_Create Operation have exceeded call rate limit. Please retry after 1 second.", inputs?.Count ?? 0);
            return;
        }

        if (inputs is null || inputs.Count == 0)
        {
            await ErrorAsync(400, "invalid_request_error", "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.");
            return;
        }

        if (inputs.Count > MaxInputs)
        {
            await ErrorAsync(400, "invalid_request_error", $"Too many inputs. The max number of inputs is {MaxInputs}.", inputs.Count);
            return;
        }

        if (inputs.Any(string.IsNullOrEmpty))
        {
            await ErrorAsync(400, "invalid_request_error", "'$.input' is invalid: an input is empty.", inputs.Count);
            return;
        }

        var size = dimensions ?? 1536;
        var data = new JsonArray();
        for (var i = 0; i < inputs.Count; i++)
        {
            var vector = new float[size];
            LocalEmbeddingGenerator.Embed(inputs[i], vector);
            JsonNode embedding = encoding == "base64"
                ? JsonValue.Create(Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())))
                : new JsonArray([.. vector.Select(v => (JsonNode)JsonValue.Create(v))]);
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }

        Requests.Enqueue((deployment, inputs.Count, 200, dimensions, encoding, at));
        var tokens = inputs.Sum(t => t.Length / 4 + 1);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = "text-embedding-3-small",
            ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
        }.ToJsonString());

        async Task ErrorAsync(int status, string code, string message, int count = 0)
        {
            Requests.Enqueue((deployment, count, status, dimensions, "", at));
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new { error = new { code, message, param = (string?)null, type = (string?)null } }));
        }
    }

    private async Task HandleChatAsync(HttpContext context, string deployment, Stopwatch clock)
    {
        if (context.Request.Headers["api-key"] != ApiKey && !IsEntraTokenForOpenAI(context.Request.Headers.Authorization.ToString()))
        {
            await ChatErrorAsync(context, 401, "401", "Access denied due to invalid subscription key or wrong API endpoint.");
            return;
        }

        if (string.IsNullOrEmpty(context.Request.Query["api-version"]))
        {
            await ChatErrorAsync(context, 404, "404", "Resource not found");
            return;
        }

        var body = await JsonNode.ParseAsync(context.Request.Body);
        if (Interlocked.Decrement(ref _throttle) >= 0)
        {
            Interlocked.Increment(ref _throttled);
            ChatLog.Enqueue((429, clock.Elapsed));
            context.Response.Headers["Retry-After"] = _retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await ChatErrorAsync(context, 429, "429", "Requests to the ChatCompletions_Create Operation have exceeded call rate limit. Please retry after 1 second.");
            return;
        }

        ChatLog.Enqueue((200, clock.Elapsed));
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

    private static async Task ChatErrorAsync(HttpContext context, int status, string code, string message)
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
