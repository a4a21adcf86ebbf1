using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Embeddings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmOps.Tests.Embeddings;

/// <summary>
/// A loopback server that speaks the Azure OpenAI embeddings REST protocol
/// (POST /openai/deployments/{deployment}/embeddings?api-version=..., api-key header or a Microsoft Entra bearer token, float or base64 encoding,
/// 2048 inputs at most, errors as {"error": {...}}). Vectors are the local embedder's, so results are checkable.
/// Tests script throttling with <see cref="ThrottleNext"/>.
/// </summary>
public sealed class FakeAzureOpenAIServer : IAsyncDisposable
{
    public const string ApiKey = "test-key";
    public const int MaxInputs = 2048;
    private readonly WebApplication _app;
    private int _throttle;
    private int _retryAfterSeconds;

    private FakeAzureOpenAIServer(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Every request seen, in arrival order.</summary>
    public ConcurrentQueue<(string Deployment, int Inputs, int Status, int? Dimensions, string Encoding, TimeSpan At)> Requests { get; } = new();

    public static async Task<FakeAzureOpenAIServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeAzureOpenAIServer(app);
        var clock = Stopwatch.StartNew();
        app.MapPost("/openai/deployments/{deployment}/embeddings", (RequestDelegate)(context =>
            server.HandleAsync(context, context.Request.RouteValues["deployment"]?.ToString() ?? "", clock.Elapsed)));
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
}
