using System.Text;
using System.Text.Json;

namespace LlmOps.Triggers;

/// <summary>An HTTP response as a handler returns it.</summary>
public sealed record HttpTriggerResponse(int StatusCode, string ContentType, ReadOnlyMemory<byte> Body)
{
    /// <summary>Headers beside the content type (<c>Cache-Control</c> of the console's libraries), written by both hosts.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public static HttpTriggerResponse Json<T>(T value, int statusCode = 200, JsonSerializerOptions? options = null) =>
        new(statusCode, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(value, options ?? JsonSerializerOptions.Web));

    public static HttpTriggerResponse Text(string text, int statusCode = 200) =>
        new(statusCode, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text));

    /// <summary>An RFC 9457 problem details body.</summary>
    public static HttpTriggerResponse Problem(int statusCode, string title, string? detail = null, string type = "about:blank") =>
        new(statusCode, "application/problem+json", JsonSerializer.SerializeToUtf8Bytes(
            new ProblemDetailsBody(type, title, statusCode, detail), JsonSerializerOptions.Web));

    private sealed record ProblemDetailsBody(string Type, string Title, int Status, string? Detail);
}
